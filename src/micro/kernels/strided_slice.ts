/**
 * STRIDED_SLICE, following TFLM's reference (shapes padded to 5-D, StridedSliceStartForAxis / EndForAxis with
 * begin/end/shrink masks, negative indices and the `offset` flag). The element order is fixed by the constant
 * begin/end/strides, so prepare turns it into a list of contiguous copy runs; eval only copies.
 */
import { TensorType } from '../../tflite/model.js';
import { shapeText } from '../tensor.js';
import { clamp, requireConstant, requireType } from './common.js';
import type { EvalFn, OpContext } from './context.js';

export interface StridedSliceParams {
  begin: number[];
  end: number[];
  strides: number[];
  beginMask: number;
  endMask: number;
  shrinkAxisMask: number;
  offset: boolean;
}

function startForAxis(p: StridedSliceParams, shape: readonly number[], axis: number): number {
  const size = shape[axis]!;
  let start = p.begin[axis]!;
  const stride = p.strides[axis]!;
  if (start < 0) start += size;
  start = stride > 0 ? clamp(start, 0, size) : clamp(start, -1, size - 1);
  if (p.beginMask & (1 << axis)) start = stride > 0 ? 0 : size - 1;
  return start;
}

function endForAxis(p: StridedSliceParams, shape: readonly number[], axis: number, start: number): number {
  const size = shape[axis]!;
  if (p.shrinkAxisMask & (1 << axis)) return start >= size ? start : start + 1;
  let end = p.end[axis]!;
  if (p.offset) end += start;
  const stride = p.strides[axis]!;
  if (end < 0) end += size;
  end = stride > 0 ? clamp(end, 0, size) : clamp(end, -1, size - 1);
  if (p.endMask & (1 << axis)) end = stride > 0 ? size : -1;
  return end;
}

/** The flat input index of every output element, in output order (pure; exported for tests). */
export function stridedSliceIndices(inputShape: readonly number[], params: StridedSliceParams): number[] {
  const dims = params.begin.length;
  if (dims > 5 || inputShape.length > 5) throw new RangeError('strided slice supports at most 5 dimensions');
  // Pad the indices at the front to 5 dims (StridedSlicePadIndices) and the shape likewise (ExtendedShape).
  const pad = 5 - dims;
  const p: StridedSliceParams = {
    begin: [...new Array<number>(pad).fill(0), ...params.begin],
    end: [...new Array<number>(pad).fill(1), ...params.end],
    strides: [...new Array<number>(pad).fill(1), ...params.strides],
    beginMask: (params.beginMask << pad) | ((1 << pad) - 1),
    endMask: (params.endMask << pad) | ((1 << pad) - 1),
    shrinkAxisMask: params.shrinkAxisMask << pad,
    offset: params.offset,
  };
  const shape = [...new Array<number>(5 - inputShape.length).fill(1), ...inputShape];
  const start: number[] = [];
  const stop: number[] = [];
  for (let a = 0; a < 5; a++) {
    start.push(startForAxis(p, shape, a));
    stop.push(endForAxis(p, shape, a, start[a]!));
  }
  const more = (i: number, a: number): boolean => (p.strides[a]! < 0 ? i > stop[a]! : i < stop[a]!);
  const out: number[] = [];
  const s = p.strides;
  for (let i0 = start[0]!; more(i0, 0); i0 += s[0]!)
    for (let i1 = start[1]!; more(i1, 1); i1 += s[1]!)
      for (let i2 = start[2]!; more(i2, 2); i2 += s[2]!)
        for (let i3 = start[3]!; more(i3, 3); i3 += s[3]!)
          for (let i4 = start[4]!; more(i4, 4); i4 += s[4]!) {
            out.push((((i0 * shape[1]! + i1) * shape[2]! + i2) * shape[3]! + i3) * shape[4]! + i4);
          }
  return out;
}

function constInts(ctx: OpContext, i: number, role: string): number[] {
  const t = ctx.input(i);
  requireType(ctx, t, [TensorType.INT32, TensorType.INT64], role);
  requireConstant(ctx, t, role);
  return Array.from(t.data as Int32Array);
}

export function prepareStridedSlice(ctx: OpContext): EvalFn {
  const opts = ctx.options;
  if (!opts || opts.kind !== 'StridedSliceOptions') ctx.fail('STRIDED_SLICE without StridedSliceOptions');
  if (opts.ellipsisMask !== 0 || opts.newAxisMask !== 0) {
    ctx.fail(`ellipsis_mask ${opts.ellipsisMask} / new_axis_mask ${opts.newAxisMask} are not supported by TFLM's STRIDED_SLICE`, 'unsupported');
  }
  const input = ctx.input(0);
  const out = ctx.output(0);
  const begin = constInts(ctx, 1, 'begin');
  const end = constInts(ctx, 2, 'end');
  const strides = constInts(ctx, 3, 'strides');
  if (begin.length !== end.length || end.length !== strides.length || begin.length > input.shape.length) {
    ctx.fail(`begin/end/strides have ${begin.length}/${end.length}/${strides.length} entries for input ${shapeText(input.shape)}`);
  }
  if (strides.some((s) => s === 0)) ctx.fail('a stride is 0');
  if (input.type !== out.type) ctx.fail(`input '${input.name}' and output '${out.name}' have different types`);
  if (input.shape.length > 5) ctx.fail(`input ${shapeText(input.shape)} has more than 5 dimensions`, 'unsupported');
  const indices = stridedSliceIndices(input.shape, {
    begin,
    end,
    strides,
    beginMask: opts.beginMask,
    endMask: opts.endMask,
    shrinkAxisMask: opts.shrinkAxisMask,
    offset: opts.offset,
  });
  if (indices.length !== out.size) {
    ctx.fail(`the slice selects ${indices.length} elements of ${shapeText(input.shape)} but output '${out.name}' ${shapeText(out.shape)} has ${out.size}`);
  }
  // Group into contiguous runs; each run becomes one typed-array copy of a prebuilt view.
  const src = input.data;
  const dst = out.data;
  const views: Array<typeof src> = [];
  const at: number[] = [];
  for (let k = 0; k < indices.length; ) {
    let len = 1;
    while (k + len < indices.length && indices[k + len] === indices[k]! + len) len++;
    views.push(src.subarray(indices[k]!, indices[k]! + len) as typeof src);
    at.push(k);
    k += len;
  }
  const n = views.length;
  const offsets = Int32Array.from(at);
  return () => {
    for (let r = 0; r < n; r++) dst.set(views[r]! as never, offsets[r]);
  };
}
