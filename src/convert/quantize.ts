/**
 * Float streaming graph + calibration ranges → int8 TfliteModel, following TensorFlow's converter
 * (docs/model-format.md §4): per-channel symmetric int8 weights, int32 biases at s_in·s_w, asymmetric int8
 * activations from min/max, shared parameters across slice/split/reshape/concat/pool and each ring buffer,
 * LOGISTIC at 1/256 −128, a final QUANTIZE to uint8, and the CALL_ONCE init subgraph zeroing every variable.
 */
import { MwwError } from '../errors.js';
import { BuiltinOp, TensorType, type Operator, type OperatorCode, type Quantization, type Subgraph, type Tensor, type TfliteModel } from '../tflite/model.js';
import { INPUT_MAX, INPUT_MIN, type Ranges } from './calibrate.js';
import { elementCount } from '../micro/tensor.js';
import type { FloatGraph } from './graph/ir.js';

const f32 = Math.fround;

/** Operator versions TensorFlow's converter writes for these int8 kernels (as in the official models). */
const OP_VERSIONS: Partial<Record<BuiltinOp, number>> = {
  [BuiltinOp.CONCATENATION]: 2,
  [BuiltinOp.STRIDED_SLICE]: 2,
  [BuiltinOp.CONV_2D]: 3,
  [BuiltinOp.DEPTHWISE_CONV_2D]: 3,
  [BuiltinOp.SPLIT_V]: 2,
  [BuiltinOp.FULLY_CONNECTED]: 4,
  [BuiltinOp.LOGISTIC]: 2,
  [BuiltinOp.ADD]: 2,
  [BuiltinOp.MUL]: 2,
  [BuiltinOp.AVERAGE_POOL_2D]: 2,
  [BuiltinOp.MAX_POOL_2D]: 2,
};

export interface ActParams {
  scale: number;
  zeroPoint: number;
}

/**
 * TensorFlow's asymmetric int8 parameters from a calibrated range (range always includes 0). Computed in
 * float32 like GetAsymmetricQuantizationParams (tools/optimize/quantization_utils.cc): a double-precision
 * quotient can round to the neighbouring float32 scale.
 */
export function activationParams(min: number, max: number): ActParams {
  const rmin = Math.min(f32(min), 0);
  const rmax = Math.max(f32(max), 0);
  const qmin = -128;
  const qmax = 127;
  if (rmax === rmin) return { scale: 1, zeroPoint: 0 };
  const scale = f32(f32(rmax - rmin) / (qmax - qmin));
  const zpFromMin = f32(qmin - f32(rmin / scale));
  const zeroPoint = zpFromMin < qmin ? qmin : zpFromMin > qmax ? qmax : roundHalfAway(zpFromMin);
  return { scale, zeroPoint };
}

/** Round half away from zero (std::round), as TensorFlow's quantizer does. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Per-channel symmetric int8 weights along `axis` (0 for CONV/FC, 3 for DEPTHWISE). */
export function quantizeWeights(data: Float32Array, shape: number[], axis: number): { q: Int8Array; scales: number[] } {
  const channels = shape[axis]!;
  const inner = elementCount(shape.slice(axis + 1));
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const a = Math.abs(data[i]!);
    if (a > maxAbs[c]!) maxAbs[c] = a;
  }
  const scales = Array.from(maxAbs, (m) => (m === 0 ? 1 : f32(m / 127)));
  const q = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = Math.floor(i / inner) % channels;
    q[i] = Math.max(-127, Math.min(127, roundHalfAway(data[i]! / scales[c]!)));
  }
  return { q, scales };
}

export function quantizeBias(data: Float32Array, inputScale: number, weightScales: number[]): { q: Int32Array; scales: number[] } {
  const scales = weightScales.map((s) => f32(inputScale * s));
  const q = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const s = inputScale * weightScales[weightScales.length === 1 ? 0 : i]!;
    q[i] = Math.max(-2147483647, Math.min(2147483647, roundHalfAway(data[i]! / s)));
  }
  return { q, scales };
}

class UnionFind {
  private readonly p: Int32Array;
  constructor(n: number) {
    this.p = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(x: number): number {
    while (this.p[x] !== x) {
      this.p[x] = this.p[this.p[x]!]!;
      x = this.p[x]!;
    }
    return x;
  }
  union(a: number, b: number): void {
    this.p[this.find(a)] = this.find(b);
  }
}

/** The activation parameters of every activation tensor, after TF's same-parameter rules. */
export function activationQuantization(g: FloatGraph, r: Ranges): Map<number, ActParams> {
  const uf = new UnionFind(g.tensors.length);
  const fixed = new Map<number, ActParams>();
  const varOf = new Map<number, number[]>(); // resource handle → tensors that share the variable's parameters
  for (const op of g.ops) {
    switch (op.op) {
      case BuiltinOp.STRIDED_SLICE:
      case BuiltinOp.RESHAPE:
      case BuiltinOp.AVERAGE_POOL_2D:
      case BuiltinOp.MAX_POOL_2D:
        uf.union(op.outputs[0]!, op.inputs[0]!);
        break;
      case BuiltinOp.SPLIT_V:
        for (const o of op.outputs) uf.union(o, op.inputs[0]!);
        break;
      case BuiltinOp.CONCATENATION:
        for (const i of op.inputs) uf.union(i, op.outputs[0]!);
        break;
      case BuiltinOp.READ_VARIABLE:
      case BuiltinOp.ASSIGN_VARIABLE: {
        // The value read from a variable and every value assigned to it share one set of parameters.
        const value = op.op === BuiltinOp.READ_VARIABLE ? op.outputs[0]! : op.inputs[1]!;
        const members = varOf.get(op.inputs[0]!);
        if (members) members.push(value);
        else varOf.set(op.inputs[0]!, [value]);
        break;
      }
      case BuiltinOp.LOGISTIC:
        fixed.set(op.outputs[0]!, { scale: 1 / 256, zeroPoint: -128 });
        break;
    }
  }
  for (const members of varOf.values()) for (let i = 1; i < members.length; i++) uf.union(members[i]!, members[0]!);
  // Group ranges: the union of the members' observed ranges; the input group is pinned to [0, 26].
  const gmin = new Map<number, number>();
  const gmax = new Map<number, number>();
  const inputRoot = uf.find(g.input);
  g.tensors.forEach((t, i) => {
    if (t.kind !== 'activation' && t.kind !== 'input') return;
    const root = uf.find(i);
    if (!r.seen[i]) return;
    gmin.set(root, Math.min(gmin.get(root) ?? Infinity, r.min[i]!));
    gmax.set(root, Math.max(gmax.get(root) ?? -Infinity, r.max[i]!));
  });
  gmin.set(inputRoot, INPUT_MIN);
  gmax.set(inputRoot, INPUT_MAX);
  const out = new Map<number, ActParams>();
  g.tensors.forEach((t, i) => {
    if (t.kind !== 'activation' && t.kind !== 'input') return;
    const f = fixed.get(i);
    if (f) return out.set(i, f);
    const root = uf.find(i);
    const lo = gmin.get(root);
    const hi = gmax.get(root);
    if (lo === undefined || hi === undefined) throw new MwwError('input', `calibration never reached tensor ${t.name}; the representative data is too short for this model`);
    out.set(i, activationParams(lo, hi));
  });
  return out;
}

function le(arr: Int8Array | Int32Array | Uint8Array): Uint8Array {
  return new Uint8Array(arr.buffer.slice(arr.byteOffset, arr.byteOffset + arr.byteLength));
}

const MIN_RUNTIME = (() => {
  const b = new Uint8Array(16);
  b.set(new TextEncoder().encode('1.14.0'));
  return b;
})();

/** Build the int8 streaming TfliteModel (main subgraph + NoOp init subgraph). */
export function quantizeGraph(g: FloatGraph, r: Ranges): TfliteModel {
  const act = activationQuantization(g, r);
  const buffers: Uint8Array[] = [new Uint8Array(0)];
  const opcodes: OperatorCode[] = [];
  const opcodeIndex = (op: BuiltinOp): number => {
    let i = opcodes.findIndex((c) => c.builtinCode === op);
    if (i < 0) {
      opcodes.push({ builtinCode: op, version: OP_VERSIONS[op] ?? 1 });
      i = opcodes.length - 1;
    }
    return i;
  };
  const pq = (p: ActParams): Quantization => ({ scale: [p.scale], zeroPoint: [p.zeroPoint], quantizedDimension: 0 });
  const addBuffer = (data: Uint8Array) => {
    buffers.push(data);
    return buffers.length - 1;
  };

  // Weight/bias quantization needs the consuming op: weights per channel, bias at s_in · s_w.
  const weightQ = new Map<number, { q: Int8Array; scales: number[]; axis: number }>();
  const biasQ = new Map<number, { q: Int32Array; scales: number[] }>();
  for (const op of g.ops) {
    if (op.op !== BuiltinOp.CONV_2D && op.op !== BuiltinOp.DEPTHWISE_CONV_2D && op.op !== BuiltinOp.FULLY_CONNECTED) continue;
    const wt = g.tensors[op.inputs[1]!]!;
    const axis = op.op === BuiltinOp.DEPTHWISE_CONV_2D ? 3 : 0;
    const wq = quantizeWeights(wt.data!, wt.shape, axis);
    weightQ.set(op.inputs[1]!, { ...wq, axis });
    const bi = op.inputs[2];
    if (bi !== undefined && bi >= 0) biasQ.set(bi, quantizeBias(g.tensors[bi]!.data!, act.get(op.inputs[0]!)!.scale, wq.scales));
  }

  // Tensor order as TF's converter lays it out: input, constants, resource handles, activations.
  const order: number[] = [g.input];
  g.tensors.forEach((t, i) => t.kind !== 'input' && t.kind !== 'activation' && t.kind !== 'resource' && order.push(i));
  g.tensors.forEach((t, i) => t.kind === 'resource' && order.push(i));
  g.tensors.forEach((t, i) => t.kind === 'activation' && order.push(i));
  const index = new Map<number, number>();
  const tensors: Tensor[] = [];
  // TF's converter emits each distinct int32 constant (shapes, slice bounds, strides) once; every tensor costs a
  // TfLiteEvalTensor in the device's arena, so duplicates would make the model need more arena than TF's.
  const int32Constants = new Map<string, number>();
  for (const i of order) {
    const t = g.tensors[i]!;
    if (t.kind === 'int32') {
      const key = `${t.shape.join(',')}|${Array.from(t.i32!).join(',')}`;
      const seen = int32Constants.get(key);
      if (seen !== undefined) {
        index.set(i, seen);
        continue;
      }
      int32Constants.set(key, tensors.length);
    }
    index.set(i, tensors.length);
    switch (t.kind) {
      case 'input':
      case 'activation':
        tensors.push({ name: t.name, type: TensorType.INT8, shape: t.shape, buffer: 0, quantization: pq(act.get(i)!), isVariable: false });
        break;
      case 'int32':
        tensors.push({ name: t.name, type: TensorType.INT32, shape: t.shape, buffer: addBuffer(le(t.i32!)), isVariable: false });
        break;
      case 'resource':
        tensors.push({ name: t.name, type: TensorType.RESOURCE, shape: [], buffer: 0, isVariable: false });
        break;
      case 'weight': {
        const w = weightQ.get(i);
        if (!w) throw new Error(`weight tensor ${t.name} has no consumer`);
        tensors.push({ name: t.name, type: TensorType.INT8, shape: t.shape, buffer: addBuffer(le(w.q)), quantization: { scale: w.scales, zeroPoint: w.scales.map(() => 0), quantizedDimension: w.axis }, isVariable: false });
        break;
      }
      case 'bias': {
        const b = biasQ.get(i)!;
        tensors.push({ name: t.name, type: TensorType.INT32, shape: t.shape, buffer: addBuffer(le(b.q)), quantization: { scale: b.scales, zeroPoint: b.scales.map(() => 0), quantizedDimension: 0 }, isVariable: false });
        break;
      }
    }
  }
  const outIndex = tensors.length;
  tensors.push({ name: 'output_uint8', type: TensorType.UINT8, shape: g.tensors[g.output]!.shape, buffer: 0, quantization: { scale: [1 / 256], zeroPoint: [0], quantizedDimension: 0 }, isVariable: false });

  const ops: Operator[] = [{ opcodeIndex: opcodeIndex(BuiltinOp.CALL_ONCE), inputs: [], outputs: [], builtinOptions: { kind: 'CallOnceOptions', initSubgraphIndex: 1 } }];
  for (const v of g.variables) {
    ops.push({ opcodeIndex: opcodeIndex(BuiltinOp.VAR_HANDLE), inputs: [], outputs: [index.get(v.handle)!], builtinOptions: { kind: 'VarHandleOptions', container: '', sharedName: v.sharedName } });
  }
  for (const op of g.ops) {
    let options = op.options;
    if (op.op === BuiltinOp.READ_VARIABLE) options = { kind: 'ReadVariableOptions' };
    if (op.op === BuiltinOp.ASSIGN_VARIABLE) options = { kind: 'AssignVariableOptions' };
    ops.push({ opcodeIndex: opcodeIndex(op.op), inputs: op.inputs.map((i) => index.get(i)!), outputs: op.outputs.map((i) => index.get(i)!), builtinOptions: options });
  }
  ops.push({ opcodeIndex: opcodeIndex(BuiltinOp.QUANTIZE), inputs: [index.get(g.output)!], outputs: [outIndex], builtinOptions: { kind: 'QuantizeOptions' } });
  const main: Subgraph = { name: 'main', tensors, inputs: [index.get(g.input)!], outputs: [outIndex], operators: ops };

  // Init subgraph: each variable set to its zero point (the int8 encoding of 0.0), last variable first as TF emits it.
  const initTensors: Tensor[] = [];
  const initOps: Operator[] = [];
  const readParams = (handle: number): ActParams => {
    const read = g.ops.find((o) => o.op === BuiltinOp.READ_VARIABLE && o.inputs[0] === handle);
    if (!read) throw new Error('variable without READ_VARIABLE');
    return act.get(read.outputs[0]!)!;
  };
  for (const v of [...g.variables].reverse()) {
    const p = readParams(v.handle);
    initTensors.push({ name: v.sharedName, type: TensorType.RESOURCE, shape: [], buffer: 0, isVariable: false });
    const zeros = new Int8Array(elementCount(v.shape)).fill(p.zeroPoint);
    initTensors.push({ name: `${v.sharedName}/zero`, type: TensorType.INT8, shape: v.shape, buffer: addBuffer(le(zeros)), quantization: pq(p), isVariable: false });
    initOps.push({ opcodeIndex: opcodeIndex(BuiltinOp.VAR_HANDLE), inputs: [], outputs: [initTensors.length - 2], builtinOptions: { kind: 'VarHandleOptions', container: '', sharedName: v.sharedName } });
    initOps.push({ opcodeIndex: opcodeIndex(BuiltinOp.ASSIGN_VARIABLE), inputs: [initTensors.length - 2, initTensors.length - 1], outputs: [], builtinOptions: { kind: 'AssignVariableOptions' } });
  }
  const init: Subgraph = { name: 'NoOp', tensors: initTensors, inputs: [], outputs: [], operators: initOps };

  const metaBuffer = addBuffer(MIN_RUNTIME);
  return {
    version: 3,
    description: 'mww converter',
    operatorCodes: opcodes,
    subgraphs: [main, init],
    buffers,
    metadata: [{ name: 'min_runtime_version', buffer: metaBuffer }],
    signatureDefs: [{ inputs: [{ name: 'inputs', tensorIndex: index.get(g.input)! }], outputs: [{ name: 'output_0', tensorIndex: outIndex }], signatureKey: 'serving_default', subgraphIndex: 0 }],
  };
}
