/** LOGISTIC, int8 in and out (output scale 1/256, zero point −128): TFLM's fixed-point path. */
import { logisticInt8, logisticInt8Params } from '../math/logistic.js';
import { requireInt8, requireQuantized, requireSameSize } from './common.js';
import type { EvalFn, OpContext } from './context.js';

export function prepareLogistic(ctx: OpContext): EvalFn {
  const input = ctx.input(0);
  const out = ctx.output(0);
  requireInt8(ctx, input, 'input');
  requireInt8(ctx, out, 'output');
  requireQuantized(ctx, input, 'input');
  requireSameSize(ctx, input, out);
  if (out.zeroPoint !== -128) ctx.fail(`output '${out.name}' has zero point ${out.zeroPoint}; TFLM's int8 LOGISTIC requires −128`);
  const p = logisticInt8Params(input.scale, input.zeroPoint);
  const x = input.data as Int8Array;
  const y = out.data as Int8Array;
  const n = input.size;
  return () => {
    for (let i = 0; i < n; i++) y[i] = logisticInt8(x[i]!, p);
  };
}
