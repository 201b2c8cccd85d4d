/**
 * Runtime tensors: one typed array per tensor, allocated once when the interpreter is created. Constant tensors
 * (those with buffer data) are decoded from the model's buffers once; kernels keep references to these arrays,
 * so nothing is allocated while invoking.
 */
import { MwwError } from '../errors.js';
import { TensorType, tensorTypeSize, type Tensor } from '../tflite/model.js';

export type TensorData = Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array;

export interface RuntimeTensor {
  readonly index: number;
  readonly name: string;
  readonly type: TensorType;
  readonly shape: readonly number[];
  readonly size: number;
  /** Element storage. INT64 constants are narrowed to Int32Array (they only carry shapes and indices here). */
  readonly data: TensorData;
  readonly isConstant: boolean;
  /** Per-tensor scale / zero point (the first entry), as TFLM's TfLiteTensor.params. */
  readonly scale: number;
  readonly zeroPoint: number;
  /** Full (per-channel) quantization, or null when the tensor has none. */
  readonly scales: readonly number[] | null;
  readonly quantizedDimension: number;
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Bytes of a tensor's data (TfLiteEvalTensorByteLength): element count × element size. */
export function tensorBytes(t: { readonly shape: readonly number[]; readonly type: TensorType }): number {
  return elementCount(t.shape) * tensorTypeSize(t.type);
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

export function typeName(type: TensorType): string {
  return TensorType[type] ?? `type ${type}`;
}

function allocate(type: TensorType, n: number): TensorData {
  switch (type) {
    case TensorType.INT8:
      return new Int8Array(n);
    case TensorType.UINT8:
    case TensorType.BOOL:
      return new Uint8Array(n);
    case TensorType.INT16:
      return new Int16Array(n);
    case TensorType.INT32:
    case TensorType.INT64:
    case TensorType.RESOURCE:
      return new Int32Array(n);
    case TensorType.FLOAT32:
      return new Float32Array(n);
    default:
      return new Uint8Array(n * tensorTypeSize(type));
  }
}

function decodeConstant(t: Tensor, bytes: Uint8Array, n: number, where: string): TensorData {
  const need = n * tensorTypeSize(t.type);
  if (bytes.byteLength < need) {
    throw new MwwError('input', `constant tensor '${t.name}' ${shapeText(t.shape)} ${typeName(t.type)} needs ${need} bytes but its buffer ${t.buffer} holds ${bytes.byteLength}`, { where });
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = allocate(t.type, n);
  switch (t.type) {
    case TensorType.INT8:
    case TensorType.UINT8:
    case TensorType.BOOL:
      out.set(bytes.subarray(0, n) as never);
      break;
    case TensorType.INT16:
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, true);
      break;
    case TensorType.INT32:
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, true);
      break;
    case TensorType.INT64:
      for (let i = 0; i < n; i++) {
        const v = dv.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) {
          throw new MwwError('unsupported', `constant int64 tensor '${t.name}' holds ${v}, outside the int32 range the runtime handles`, { where });
        }
        out[i] = Number(v);
      }
      break;
    case TensorType.FLOAT32:
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
      break;
    default:
      out.set(bytes.subarray(0, need) as never);
  }
  return out;
}

/** Builds the runtime tensor for model tensor `index` (`buffers` = the model's buffers). */
export function createRuntimeTensor(t: Tensor, index: number, buffers: readonly Uint8Array[], where: string): RuntimeTensor {
  for (const d of t.shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new MwwError('input', `tensor ${index} '${t.name}' has dynamic or invalid shape ${shapeText(t.shape)}; micro models need static shapes`, { where });
    }
  }
  const n = t.type === TensorType.RESOURCE ? 1 : elementCount(t.shape);
  const bytes = buffers[t.buffer];
  const isConstant = bytes !== undefined && bytes.byteLength > 0;
  const data = isConstant ? decodeConstant(t, bytes, n, where) : allocate(t.type, n);
  const q = t.quantization;
  const hasQuant = q !== undefined && q.scale.length > 0;
  return {
    index,
    name: t.name,
    type: t.type,
    shape: t.shape,
    size: n,
    data,
    isConstant,
    scale: hasQuant ? q.scale[0]! : 0,
    zeroPoint: hasQuant ? (q.zeroPoint[0] ?? 0) : 0,
    scales: hasQuant ? q.scale : null,
    quantizedDimension: q?.quantizedDimension ?? 0,
  };
}
