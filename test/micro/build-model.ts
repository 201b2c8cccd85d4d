/** Builds small single-subgraph TfliteModels in memory for kernel tests (no writer needed). */
import { BuiltinOp, TensorType, type BuiltinOptions, type Tensor, type TfliteModel } from '../../src/tflite/model.js';

export interface TensorSpec {
  type?: TensorType;
  shape: number[];
  scale?: number | number[];
  zeroPoint?: number;
  quantizedDimension?: number;
  /** Constant contents (int8/int32 per type). */
  data?: number[];
  name?: string;
}

export interface OpSpec {
  op: number;
  inputs: number[];
  outputs: number[];
  options?: BuiltinOptions | null;
}

function encode(type: TensorType, values: number[]): Uint8Array {
  if (type === TensorType.INT32) {
    const b = new Uint8Array(values.length * 4);
    const dv = new DataView(b.buffer);
    values.forEach((v, i) => dv.setInt32(i * 4, v, true));
    return b;
  }
  return new Uint8Array(Int8Array.from(values).buffer);
}

/** One main subgraph with `tensors`, `ops`, input tensor `input` and output `output`. */
export function buildModel(spec: { tensors: TensorSpec[]; ops: OpSpec[]; inputs: number[]; outputs: number[]; extraSubgraphs?: TfliteModel['subgraphs'] }): TfliteModel {
  const buffers: Uint8Array[] = [new Uint8Array(0)];
  const codes: number[] = [];
  const tensors: Tensor[] = spec.tensors.map((t, i) => {
    const type = t.type ?? TensorType.INT8;
    let buffer = 0;
    if (t.data) {
      buffers.push(encode(type, t.data));
      buffer = buffers.length - 1;
    }
    const scales = t.scale === undefined ? undefined : Array.isArray(t.scale) ? t.scale : [t.scale];
    return {
      name: t.name ?? `t${i}`,
      type,
      shape: t.shape,
      buffer,
      isVariable: false,
      quantization: scales ? { scale: scales, zeroPoint: scales.map(() => t.zeroPoint ?? 0), quantizedDimension: t.quantizedDimension ?? 0 } : undefined,
    };
  });
  const operators = spec.ops.map((o) => {
    let idx = codes.indexOf(o.op);
    if (idx < 0) {
      codes.push(o.op);
      idx = codes.length - 1;
    }
    return { opcodeIndex: idx, inputs: o.inputs, outputs: o.outputs, builtinOptions: o.options ?? null };
  });
  return {
    version: 3,
    description: 'test',
    operatorCodes: codes.map((c) => ({ builtinCode: c, version: 1 })),
    subgraphs: [{ name: 'main', tensors, inputs: spec.inputs, outputs: spec.outputs, operators }, ...(spec.extraSubgraphs ?? [])],
    buffers,
    metadata: [],
    signatureDefs: [],
  };
}

export { BuiltinOp, TensorType };
