/**
 * ADD, int8: TFLM add_common.cc + reference_integer_ops AddElementwise / BroadcastAdd (left_shift 20; each input
 * rescaled to twice the larger input scale, summed, rescaled to the output).
 */
import { multiplyByQuantizedMultiplierSmallerThanOneExp as scaleDown } from '../math/fixedpoint.js';
import { activationRangeQuantized, quantizeMultiplierSmallerThanOneExp } from '../math/quantize.js';
import { broadcastBinaryOperands } from './common.js';
import type { EvalFn, OpContext } from './context.js';

const LEFT_SHIFT = 20;

export function prepareAdd(ctx: OpContext): EvalFn {
  const opts = ctx.options;
  if (!opts || opts.kind !== 'AddOptions') ctx.fail('ADD without AddOptions');
  const { a, b, out, mapA: map1, mapB: map2 } = broadcastBinaryOperands(ctx);
  const size = out.size;
  const twiceMaxInputScale = 2 * Math.max(a.scale, b.scale);
  const q1 = quantizeMultiplierSmallerThanOneExp(a.scale / twiceMaxInputScale);
  const q2 = quantizeMultiplierSmallerThanOneExp(b.scale / twiceMaxInputScale);
  const qOut = quantizeMultiplierSmallerThanOneExp(twiceMaxInputScale / ((1 << LEFT_SHIFT) * out.scale));
  const [actMin, actMax] = activationRangeQuantized(opts.fusedActivation, out.type, out.scale, out.zeroPoint);
  const off1 = -a.zeroPoint;
  const off2 = -b.zeroPoint;
  const outOff = out.zeroPoint;
  const x1 = a.data as Int8Array;
  const x2 = b.data as Int8Array;
  const y = out.data as Int8Array;
  const { multiplier: m1, shift: s1 } = q1;
  const { multiplier: m2, shift: s2 } = q2;
  const { multiplier: mo, shift: so } = qOut;
  return () => {
    for (let i = 0; i < size; i++) {
      const v1 = (x1[map1 ? map1[i]! : i]! + off1) * (1 << LEFT_SHIFT);
      const v2 = (x2[map2 ? map2[i]! : i]! + off2) * (1 << LEFT_SHIFT);
      const sum = (scaleDown(v1, m1, s1) + scaleDown(v2, m2, s2)) | 0;
      let v = scaleDown(sum, mo, so) + outOff;
      if (v < actMin) v = actMin;
      else if (v > actMax) v = actMax;
      y[i] = v;
    }
  };
}
