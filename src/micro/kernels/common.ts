/** Checks and small helpers shared by the kernels (all prepare-time). */
import { Padding, TensorType } from '../../tflite/model.js';
import { elementCount, shapeText, typeName, type RuntimeTensor } from '../tensor.js';
import type { OpContext } from './context.js';

/** Requires an int8 activation tensor; float (unquantized) models get a specific refusal. */
export function requireInt8(ctx: OpContext, t: RuntimeTensor, role: string): void {
  if (t.type === TensorType.INT8) return;
  if (t.type === TensorType.FLOAT32 || t.type === TensorType.FLOAT16) {
    ctx.fail(
      `${role} tensor '${t.name}' is ${typeName(t.type)}, but this runtime (like ESPHome's micro_wake_word) runs int8-quantized models only; convert the model with full int8 quantization`,
      'unsupported',
    );
  }
  ctx.fail(`${role} tensor '${t.name}' is ${typeName(t.type)}; ${ctx.opName} is supported for int8 here`, 'unsupported');
}

export function requireType(ctx: OpContext, t: RuntimeTensor, types: readonly TensorType[], role: string): void {
  if (types.includes(t.type)) return;
  if (t.type === TensorType.FLOAT32) requireInt8(ctx, t, role);
  ctx.fail(`${role} tensor '${t.name}' is ${typeName(t.type)}, expected ${types.map(typeName).join(' or ')}`, 'unsupported');
}

/** Requires per-tensor quantization parameters (scale > 0). */
export function requireQuantized(ctx: OpContext, t: RuntimeTensor, role: string): void {
  if (t.scales === null || !(t.scale > 0)) {
    ctx.fail(`${role} tensor '${t.name}' has no quantization parameters (scale/zero point)`);
  }
}

export function requireConstant(ctx: OpContext, t: RuntimeTensor, role: string): void {
  if (!t.isConstant) ctx.fail(`${role} tensor '${t.name}' must be a constant (have buffer data); dynamic ${role} is not supported`, 'unsupported');
}

export function requireRank(ctx: OpContext, t: RuntimeTensor, rank: number, role: string): void {
  if (t.shape.length !== rank) ctx.fail(`${role} tensor '${t.name}' has shape ${shapeText(t.shape)}, expected ${rank} dimensions`);
}

export function requireSameSize(ctx: OpContext, a: RuntimeTensor, b: RuntimeTensor): void {
  if (a.size !== b.size) {
    ctx.fail(`input '${a.name}' ${shapeText(a.shape)} has ${a.size} elements but output '${b.name}' ${shapeText(b.shape)} has ${b.size}`);
  }
}

export function requireShape(ctx: OpContext, t: RuntimeTensor, expected: readonly number[], role: string): void {
  if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    ctx.fail(`${role} tensor '${t.name}' has shape ${shapeText(t.shape)}, expected ${shapeText(expected)}`);
  }
}

/** Byte view of a tensor's storage (for ops that only move bytes). */
export function bytesOf(t: RuntimeTensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

export { elementCount };

/** TFLM ComputeOutSize. */
export function computeOutSize(padding: Padding, imageSize: number, filterSize: number, stride: number, dilation = 1): number {
  const effectiveFilterSize = (filterSize - 1) * dilation + 1;
  if (stride === 0) return 0;
  return padding === Padding.SAME
    ? Math.trunc((imageSize + stride - 1) / stride)
    : Math.trunc((imageSize + stride - effectiveFilterSize) / stride);
}

/** TFLM ComputePaddingWithOffset: the leading padding (the odd remainder goes to the trailing side). */
export function computePadding(stride: number, dilation: number, inSize: number, filterSize: number, outSize: number): number {
  const effectiveFilterSize = (filterSize - 1) * dilation + 1;
  const total = (outSize - 1) * stride + effectiveFilterSize - inSize;
  return total > 0 ? Math.trunc(total / 2) : 0;
}

/** Clamp helper used by every quantized kernel. */
export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Numpy-style broadcast of two shapes (TFLM CalculateShapeForBroadcast semantics); null when incompatible. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (da !== db && da !== 1 && db !== 1) return null;
    out[i] = da === 0 || db === 0 ? 0 : Math.max(da, db);
  }
  return out;
}

/** For each element of the broadcast output, the flat index it reads in `shape` (aligned at the trailing dims). */
export function broadcastIndexMap(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = outShape.length;
  const total = elementCount(outShape);
  const map = new Int32Array(total);
  const strides = new Array<number>(n).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const axis = n - shape.length + i;
    strides[axis] = shape[i] === 1 ? 0 : s;
    s *= shape[i]!;
  }
  const idx = new Array<number>(n).fill(0);
  for (let k = 0; k < total; k++) {
    let off = 0;
    for (let i = 0; i < n; i++) off += idx[i]! * strides[i]!;
    map[k] = off;
    for (let i = n - 1; i >= 0; i--) {
      if (++idx[i]! < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return map;
}

/** The operands of an int8 weighted layer (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED), checked as TFLM's Prepare does. */
export interface WeightedOperands {
  input: RuntimeTensor;
  filter: RuntimeTensor;
  bias: RuntimeTensor | null;
  out: RuntimeTensor;
}

export function weightedLayerOperands(ctx: OpContext, filterRole: string): WeightedOperands {
  const input = ctx.input(0);
  const filter = ctx.input(1);
  const bias = ctx.optionalInput(2);
  const out = ctx.output(0);
  requireInt8(ctx, input, 'input');
  requireInt8(ctx, out, 'output');
  requireType(ctx, filter, [TensorType.INT8], filterRole);
  requireConstant(ctx, filter, filterRole);
  requireQuantized(ctx, input, 'input');
  requireQuantized(ctx, out, 'output');
  return { input, filter, bias, out };
}

/** Requires an int32 bias with one value per output channel (when the layer has a bias). */
export function requireBias(ctx: OpContext, bias: RuntimeTensor | null, channels: number, what = 'output channels'): void {
  if (!bias) return;
  requireType(ctx, bias, [TensorType.INT32], 'bias');
  if (bias.size !== channels) ctx.fail(`bias '${bias.name}' has ${bias.size} values for ${channels} ${what}`);
}

/** Stride, dilation, output size and padding of a 2-D convolution window, with the output shape checked. */
export interface ConvGeometry {
  strideH: number;
  strideW: number;
  dilH: number;
  dilW: number;
  outH: number;
  outW: number;
  padH: number;
  padW: number;
}

export function convGeometry(
  ctx: OpContext,
  opts: { padding: Padding; strideH: number; strideW: number; dilationH: number; dilationW: number },
  ops: WeightedOperands,
  kH: number,
  kW: number,
  outC: number,
): ConvGeometry {
  const { input, filter, out } = ops;
  const [batches, inH, inW] = input.shape as [number, number, number, number];
  const strideH = opts.strideH;
  const strideW = opts.strideW;
  const dilH = opts.dilationH || 1;
  const dilW = opts.dilationW || 1;
  const outH = computeOutSize(opts.padding, inH, kH, strideH, dilH);
  const outW = computeOutSize(opts.padding, inW, kW, strideW, dilW);
  const expected = [batches, outH, outW, outC];
  if (out.shape.some((d, i) => d !== expected[i])) {
    ctx.fail(`output '${out.name}' has shape ${shapeText(out.shape)}, but input ${shapeText(input.shape)} with filter ${shapeText(filter.shape)}, stride ${strideH}×${strideW}, ${Padding[opts.padding]} gives ${shapeText(expected)}`);
  }
  requireBias(ctx, ops.bias, outC);
  return { strideH, strideW, dilH, dilW, outH, outW, padH: computePadding(strideH, dilH, inH, kH, outH), padW: computePadding(strideW, dilW, inW, kW, outW) };
}

/** The two int8 inputs and output of a broadcasting binary op (ADD, MUL), with index maps when shapes differ. */
export interface BinaryOperands {
  a: RuntimeTensor;
  b: RuntimeTensor;
  out: RuntimeTensor;
  /** Per output element, the element of `a` / `b` it reads; null when both inputs have the output's shape. */
  mapA: Int32Array | null;
  mapB: Int32Array | null;
}

export function broadcastBinaryOperands(ctx: OpContext): BinaryOperands {
  const a = ctx.input(0);
  const b = ctx.input(1);
  const out = ctx.output(0);
  for (const [t, role] of [[a, 'input 0'], [b, 'input 1'], [out, 'output']] as const) {
    requireInt8(ctx, t, role);
    requireQuantized(ctx, t, role);
  }
  const shape = broadcastShape(a.shape, b.shape);
  if (!shape) ctx.fail(`inputs ${shapeText(a.shape)} and ${shapeText(b.shape)} do not broadcast`);
  const size = shape.reduce((p, d) => p * d, 1);
  if (size !== out.size) ctx.fail(`output '${out.name}' ${shapeText(out.shape)} does not match the broadcast shape ${shapeText(shape)}`);
  const sameShapes = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  return { a, b, out, mapA: sameShapes ? null : broadcastIndexMap(a.shape, shape), mapB: sameShapes ? null : broadcastIndexMap(b.shape, shape) };
}
