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

/** Byte view of a tensor's storage (for ops that only move bytes). */
export function bytesOf(t: RuntimeTensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Elements before `axis` (outer) and after it (inner) in a row-major `shape`: how axis-wise copies are blocked. */
export function axisExtents(shape: readonly number[], axis: number): { outer: number; inner: number } {
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, inner };
}

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

/** Clamps v to [lo, hi] (std::min(std::max(v, lo), hi) for lo ≤ hi). */
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

/** The operands of CONV_2D / DEPTHWISE_CONV_2D: a weighted layer whose input, filter and output are all 4-D. */
export function convOperands(ctx: OpContext): WeightedOperands {
  const ops = weightedLayerOperands(ctx, 'filter');
  requireRank(ctx, ops.input, 4, 'input');
  requireRank(ctx, ops.filter, 4, 'filter');
  requireRank(ctx, ops.out, 4, 'output');
  return ops;
}

/** Requires an int32 bias with one value per output channel (when the layer has a bias). */
export function requireBias(ctx: OpContext, bias: RuntimeTensor | null, channels: number, what = 'output channels'): void {
  if (!bias) return;
  requireType(ctx, bias, [TensorType.INT32], 'bias');
  if (bias.size !== channels) ctx.fail(`bias '${bias.name}' has ${bias.size} values for ${channels} ${what}`);
}

/**
 * A 2-D window (convolution filter or pooling window) slid over an NHWC input: after checking the output shape
 * (TFLM ComputeOutSize / ComputePaddingWithOffset), for each output position (batch, y, x in row-major order) the
 * taps that fall inside the image, in window order (fy, then fx). Taps in the padding are skipped, as TFLM's loops do.
 */
export interface WindowPlan {
  /** batches × outH × outW */
  positions: number;
  /** the taps of position p are tapStart[p] … tapStart[p + 1] − 1 */
  tapStart: Int32Array;
  /** flat input offset of each tap's pixel (channel 0) */
  tapInput: Int32Array;
  /** window index fy·kW + fx of each tap */
  tapIndex: Int32Array;
}

export function windowPlan(
  ctx: OpContext,
  opts: { padding: Padding; strideH: number; strideW: number; dilationH?: number; dilationW?: number },
  input: RuntimeTensor,
  out: RuntimeTensor,
  window: { kH: number; kW: number; outC: number; text: string },
): WindowPlan {
  const { kH, kW, outC } = window;
  const [batches, inH, inW, inC] = input.shape as [number, number, number, number];
  const { strideH, strideW } = opts;
  const dilH = opts.dilationH || 1;
  const dilW = opts.dilationW || 1;
  const outH = computeOutSize(opts.padding, inH, kH, strideH, dilH);
  const outW = computeOutSize(opts.padding, inW, kW, strideW, dilW);
  const expected = [batches, outH, outW, outC];
  if (out.shape.some((d, i) => d !== expected[i])) {
    ctx.fail(`output '${out.name}' has shape ${shapeText(out.shape)}, but input ${shapeText(input.shape)} with ${window.text}, stride ${strideH}×${strideW}, ${Padding[opts.padding]} gives ${shapeText(expected)}`);
  }
  const padH = computePadding(strideH, dilH, inH, kH, outH);
  const padW = computePadding(strideW, dilW, inW, kW, outW);
  const positions = batches * outH * outW;
  const tapStart = new Int32Array(positions + 1);
  const tapInput: number[] = [];
  const tapIndex: number[] = [];
  for (let n = 0, pos = 0; n < batches; n++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++, pos++) {
        const y0 = oy * strideH - padH;
        const x0 = ox * strideW - padW;
        for (let fy = 0; fy < kH; fy++) {
          const iy = y0 + dilH * fy;
          if (iy < 0 || iy >= inH) continue;
          for (let fx = 0; fx < kW; fx++) {
            const ix = x0 + dilW * fx;
            if (ix < 0 || ix >= inW) continue;
            tapInput.push(((n * inH + iy) * inW + ix) * inC);
            tapIndex.push(fy * kW + fx);
          }
        }
        tapStart[pos + 1] = tapInput.length;
      }
    }
  }
  return { positions, tapStart, tapInput: Int32Array.from(tapInput), tapIndex: Int32Array.from(tapIndex) };
}

/** The window plan of CONV_2D / DEPTHWISE_CONV_2D (filter [·, kH, kW, ·]), with the bias checked against outC. */
export function convWindow(
  ctx: OpContext,
  opts: { padding: Padding; strideH: number; strideW: number; dilationH: number; dilationW: number },
  ops: WeightedOperands,
  outC: number,
): WindowPlan {
  const [, kH, kW] = ops.filter.shape as [number, number, number, number];
  const plan = windowPlan(ctx, opts, ops.input, ops.out, { kH, kW, outC, text: `filter ${shapeText(ops.filter.shape)}` });
  requireBias(ctx, ops.bias, outC);
  return plan;
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
