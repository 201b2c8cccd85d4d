/**
 * ADD, int8: TFLM add_common.cc + reference_integer_ops AddElementwise / BroadcastAdd (left_shift 20; each input
 * rescaled to twice the larger input scale, summed, rescaled to the output).
 */
import { multiplyByQuantizedMultiplierSmallerThanOneExp as scaleDown } from '../math/fixedpoint.js';
import { activationRangeQuantized, quantizeMultiplierSmallerThanOneExp } from '../math/quantize.js';
import { shapeText } from '../tensor.js';
import { broadcastIndexMap, broadcastShape, requireInt8, requireQuantized } from './common.js';
import type { EvalFn, OpContext } from './context.js';

const LEFT_SHIFT = 20;

export function prepareAdd(ctx: OpContext): EvalFn {
  const opts = ctx.options;
  if (!opts || opts.kind !== 'AddOptions') ctx.fail('ADD without AddOptions');
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
  const sameShapes = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  const map1 = sameShapes ? null : broadcastIndexMap(a.shape, shape);
  const map2 = sameShapes ? null : broadcastIndexMap(b.shape, shape);
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
