/** PAD, int8 (TFLM pad.cc): constant padding with the output zero point; paddings a constant [rank, 2] tensor. */
import { TensorType } from '../../tflite/model.js';
import { shapeText } from '../tensor.js';
import { requireConstant, requireInt8, requireType } from './common.js';
import type { EvalFn, OpContext } from './context.js';

export function preparePad(ctx: OpContext): EvalFn {
  const input = ctx.input(0);
  const paddings = ctx.input(1);
  const out = ctx.output(0);
  requireInt8(ctx, input, 'input');
  requireInt8(ctx, out, 'output');
  requireType(ctx, paddings, [TensorType.INT32, TensorType.INT64], 'paddings');
  requireConstant(ctx, paddings, 'paddings');
  const rank = input.shape.length;
  if (rank > 5) ctx.fail(`input ${shapeText(input.shape)} has more than 5 dimensions`, 'unsupported');
  if (paddings.size !== rank * 2) ctx.fail(`paddings '${paddings.name}' ${shapeText(paddings.shape)} should be [${rank}, 2]`);
  const p = paddings.data;
  const before: number[] = [];
  const expected: number[] = [];
  for (let d = 0; d < rank; d++) {
    const lo = p[2 * d]!;
    const hi = p[2 * d + 1]!;
    if (lo < 0 || hi < 0) ctx.fail(`negative padding ${lo}/${hi} on dimension ${d}`);
    before.push(lo);
    expected.push(input.shape[d]! + lo + hi);
  }
  if (out.shape.length !== rank || out.shape.some((d, i) => d !== expected[i])) {
    ctx.fail(`output '${out.name}' has shape ${shapeText(out.shape)}, padding ${shapeText(input.shape)} gives ${shapeText(expected)}`);
  }
  // Source index of every output element, or −1 for padding.
  const map = new Int32Array(out.size);
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < out.size; k++) {
    let src = 0;
    for (let d = 0; d < rank; d++) {
      const i = idx[d]! - before[d]!;
      if (i < 0 || i >= input.shape[d]!) {
        src = -1;
        break;
      }
      src = src * input.shape[d]! + i;
    }
    map[k] = src;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < out.shape[d]!) break;
      idx[d] = 0;
    }
  }
  const padValue = out.zeroPoint;
  const x = input.data as Int8Array;
  const y = out.data as Int8Array;
  const n = out.size;
  return () => {
    for (let k = 0; k < n; k++) {
      const s = map[k]!;
      y[k] = s >= 0 ? x[s]! : padValue;
    }
  };
}
