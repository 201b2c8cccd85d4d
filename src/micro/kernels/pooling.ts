/**
 * AVERAGE_POOL_2D and MAX_POOL_2D, int8: TFLM reference_integer_ops AveragePool / MaxPool. The average rounds
 * half away from zero by ±count/2 before C's truncating division; padded taps are not counted.
 */
import { BuiltinOp } from '../../tflite/model.js';
import { activationRangeQuantized } from '../math/quantize.js';
import { requireInt8, requireRank, windowPlan } from './common.js';
import type { EvalFn, OpContext } from './context.js';

function preparePool(ctx: OpContext, kind: BuiltinOp.AVERAGE_POOL_2D | BuiltinOp.MAX_POOL_2D): EvalFn {
  const opts = ctx.options;
  if (!opts || opts.kind !== 'Pool2DOptions') ctx.fail(`${ctx.opName} without Pool2DOptions`);
  const input = ctx.input(0);
  const out = ctx.output(0);
  requireInt8(ctx, input, 'input');
  requireInt8(ctx, out, 'output');
  requireRank(ctx, input, 4, 'input');
  requireRank(ctx, out, 4, 'output');
  const depth = input.shape[3]!;
  const fH = opts.filterHeight;
  const fW = opts.filterWidth;
  // Per output position: the flat input offsets (channel 0) of the taps inside the image.
  const { positions, tapStart: tStart, tapInput: tOff } = windowPlan(ctx, opts, input, out, { kH: fH, kW: fW, outC: depth, text: `a ${fH}×${fW} window` });
  const [actMin, actMax] = activationRangeQuantized(opts.fusedActivation, out.type, out.scale, out.zeroPoint);
  const x = input.data as Int8Array;
  const y = out.data as Int8Array;
  if (kind === BuiltinOp.AVERAGE_POOL_2D) {
    for (let p = 0; p < positions; p++) {
      if (tStart[p + 1] === tStart[p]) ctx.fail('a pooling window lies entirely in the padding (TFLM fails on this)');
    }
    return () => {
      for (let p = 0; p < positions; p++) {
        const t0 = tStart[p]!;
        const t1 = tStart[p + 1]!;
        const count = t1 - t0;
        const half = (count / 2) | 0;
        for (let c = 0; c < depth; c++) {
          let acc = 0;
          for (let t = t0; t < t1; t++) acc += x[tOff[t]! + c]!;
          acc = acc > 0 ? Math.trunc((acc + half) / count) : Math.trunc((acc - half) / count);
          if (acc < actMin) acc = actMin;
          else if (acc > actMax) acc = actMax;
          y[p * depth + c] = acc;
        }
      }
    };
  }
  return () => {
    for (let p = 0; p < positions; p++) {
      const t0 = tStart[p]!;
      const t1 = tStart[p + 1]!;
      for (let c = 0; c < depth; c++) {
        let max = -128;
        for (let t = t0; t < t1; t++) {
          const v = x[tOff[t]! + c]!;
          if (v > max) max = v;
        }
        if (max < actMin) max = actMin;
        else if (max > actMax) max = actMax;
        y[p * depth + c] = max;
      }
    }
  };
}

export const prepareAveragePool2D = (ctx: OpContext): EvalFn => preparePool(ctx, BuiltinOp.AVERAGE_POOL_2D);
export const prepareMaxPool2D = (ctx: OpContext): EvalFn => preparePool(ctx, BuiltinOp.MAX_POOL_2D);
