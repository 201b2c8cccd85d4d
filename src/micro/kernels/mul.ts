/** MUL, int8: TFLM mul_common.cc + reference_integer_ops MulElementwise / BroadcastMul4DSlow. */
import { multiplyByQuantizedMultiplier } from '../math/fixedpoint.js';
import { activationRangeQuantized, quantizeMultiplier } from '../math/quantize.js';
import { broadcastBinaryOperands } from './common.js';
import type { EvalFn, OpContext } from './context.js';

export function prepareMul(ctx: OpContext): EvalFn {
  const opts = ctx.options;
  if (!opts || opts.kind !== 'MulOptions') ctx.fail('MUL without MulOptions');
  const { a, b, out, mapA: map1, mapB: map2 } = broadcastBinaryOperands(ctx);
  const size = out.size;
  const [actMin, actMax] = activationRangeQuantized(opts.fusedActivation, out.type, out.scale, out.zeroPoint);
  const { multiplier, shift } = quantizeMultiplier((a.scale * b.scale) / out.scale);
  const off1 = -a.zeroPoint;
  const off2 = -b.zeroPoint;
  const outOff = out.zeroPoint;
  const x1 = a.data as Int8Array;
  const x2 = b.data as Int8Array;
  const y = out.data as Int8Array;
  return () => {
    for (let i = 0; i < size; i++) {
      const v1 = x1[map1 ? map1[i]! : i]! + off1;
      const v2 = x2[map2 ? map2[i]! : i]! + off2;
      let v = multiplyByQuantizedMultiplier(v1 * v2, multiplier, shift) + outOff;
      if (v < actMin) v = actMin;
      else if (v > actMax) v = actMax;
      y[i] = v;
    }
  };
}
