/**
 * MEAN, int8: TFLM reduce_common.cc (EvalMeanHelper → EvalIntegerMean → QuantizedMeanOrSum) as shipped in
 * esp-tflite-micro 1.3.x. Since TFLM's "Align mean kernel to TFL" change (2023) every int8 MEAN takes the one
 * QuantizedMeanOrSum path: no 4D axes-[1,2] special case and no separate equal-quantization path.
 *
 * The arithmetic (reference_ops::QuantizedMeanOrSum with compute_sum = false):
 * - sum[o] = Σ x over the reduced axes, in a wrapping int32 accumulator (the op's scratch buffer);
 * - the element count n is folded into the input/output rescale: with (M, s) = QuantizeMultiplier(s_in / s_out)
 *   and k = min(floor(log2 n), 32, 31 + s): M' = trunc(M · 2^k / n), s' = s − k;
 * - y[o] = clamp(MultiplyByQuantizedMultiplier(sum[o] − zp_in · n, M', s') + zp_out).
 * keep_dims only changes the output's shape, not the values or their order.
 */
import { TensorType } from '../../tflite/model.js';
import { multiplyByQuantizedMultiplier } from '../math/fixedpoint.js';
import { quantizeMultiplier } from '../math/quantize.js';
import { shapeText } from '../tensor.js';
import { requireConstant, requireInt8, requireQuantized, requireType } from './common.js';
import type { EvalFn, OpContext } from './context.js';

/** TFLM's EvalMeanHelper keeps the iteration index in `int temp_index[5]` on the stack. */
const MAX_RANK = 5;
/** ... and the resolved axes in `int resolved_axis[2]`: a third distinct axis would overflow it. */
const MAX_REDUCED_AXES = 2;

/**
 * reference_ops::ResolveAxis: negative axes count from the end, duplicates are dropped, order is kept.
 * Returns an error text instead of the axes when an axis is out of range (TFLM then fails the invoke).
 */
export function resolveAxes(rank: number, axes: ArrayLike<number>): number[] | string {
  const out: number[] = [];
  if (rank === 0) return out; // scalars short-circuit: the axes are never looked at
  for (let i = 0; i < axes.length; i++) {
    const a = axes[i]!;
    const current = a < 0 ? a + rank : a;
    if (current < 0 || current >= rank) return `axis ${a} is out of range for a ${rank}-dimensional input`;
    if (!out.includes(current)) out.push(current);
  }
  return out;
}

/** The folded 1/n rescale of QuantizedMeanOrSum (computed once: it depends only on shapes and scales). */
export function meanMultiplier(multiplier: number, shift: number, n: number): { multiplier: number; shift: number } {
  // 63 − CountLeadingZeros(uint64 n), i.e. floor(log2 n) for n ≥ 1.
  let k = n.toString(2).length - 1;
  k = Math.min(k, 32);
  k = Math.min(k, 31 + shift);
  // (int64 M << k) / n: exceeds 2^53, so in BigInt; C's division truncates (both operands are non-negative).
  const folded = Number((BigInt(multiplier) << BigInt(k)) / BigInt(n));
  return { multiplier: folded, shift: shift - k };
}

export function prepareMean(ctx: OpContext): EvalFn {
  if (ctx.numInputs !== 2 || ctx.numOutputs !== 1) {
    ctx.fail(`MEAN takes 2 inputs (data, axis) and 1 output, found ${ctx.numInputs} and ${ctx.numOutputs}`);
  }
  const opts = ctx.options;
  if (opts && opts.kind !== 'ReducerOptions') ctx.fail(`MEAN has ${opts.kind}, expected ReducerOptions`);
  // A missing options table parses as keep_dims = false (TFLM ParseReducer's zero-initialised params).
  const keepDims = opts?.kind === 'ReducerOptions' ? opts.keepDims : false;
  const input = ctx.input(0);
  const axis = ctx.input(1);
  const out = ctx.output(0);
  requireType(ctx, axis, [TensorType.INT32], 'axis');
  requireConstant(ctx, axis, 'axis');
  requireInt8(ctx, input, 'input');
  requireInt8(ctx, out, 'output');
  requireQuantized(ctx, input, 'input');
  requireQuantized(ctx, out, 'output');

  const dims = input.shape;
  const rank = dims.length;
  if (rank > MAX_RANK) ctx.fail(`input '${input.name}' has ${rank} dimensions; TFLM's MEAN handles at most ${MAX_RANK}`, 'unsupported');
  const resolved = resolveAxes(rank, axis.data as Int32Array);
  if (typeof resolved === 'string') ctx.fail(`axis tensor '${axis.name}' [${Array.from(axis.data).join(',')}]: ${resolved}`);
  if (resolved.length > MAX_REDUCED_AXES) {
    ctx.fail(
      `MEAN over ${resolved.length} distinct axes [${resolved.join(',')}]; TFLM's MEAN keeps at most ${MAX_REDUCED_AXES} resolved axes (more overflows its stack buffer), so the device cannot run this`,
      'unsupported',
    );
  }
  const reduced = new Set(resolved);
  const expected = keepDims ? dims.map((d, i) => (reduced.has(i) ? 1 : d)) : dims.filter((_, i) => !reduced.has(i));
  const outCount = expected.reduce((p, d) => p * d, 1);
  // TFLM never checks the output shape, but it writes this many sums: anything else is a malformed model.
  if (out.size !== outCount) {
    ctx.fail(`output '${out.name}' ${shapeText(out.shape)} has ${out.size} elements, but the mean of ${shapeText(dims)} over axes [${resolved.join(',')}] (keep_dims ${keepDims}) gives ${shapeText(expected)}`);
  }

  const x = input.data as Int8Array;
  const y = out.data as Int8Array;
  // An input with a zero dimension leaves the output zeroed (QuantizedMeanOrSum's early return).
  if (dims.some((d) => d === 0)) return () => y.fill(0);

  // For each input element, the output it accumulates into (ReducedOutputOffset: the kept dims, row-major).
  const target = new Int32Array(input.size);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < input.size; i++) {
    let o = 0;
    for (let d = 0; d < rank; d++) if (!reduced.has(d)) o = o * dims[d]! + index[d]!;
    target[i] = o;
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d]! < dims[d]!) break;
      index[d] = 0;
    }
  }
  let n = 1;
  for (const a of resolved) n *= dims[a]!;
  const base = quantizeMultiplier(input.scale / out.scale);
  const { multiplier, shift } = meanMultiplier(base.multiplier, base.shift, n);
  const zpIn = input.zeroPoint;
  const zpOut = out.zeroPoint;
  // The int32 scratch buffer TFLM requests (output elements × 4 bytes).
  const sum = new Int32Array(outCount);
  return () => {
    sum.fill(0);
    // Int32Array stores wrap modulo 2^32, as AddTensorValuesWithExpectedOverflow does.
    for (let i = 0; i < x.length; i++) sum[target[i]!] += x[i]!;
    for (let o = 0; o < outCount; o++) {
      const shifted = (sum[o]! - zpIn * n) | 0;
      let v = multiplyByQuantizedMultiplier(shifted, multiplier, shift) + zpOut;
      if (v < -128) v = -128;
      else if (v > 127) v = 127;
      y[o] = v;
    }
  };
}
