/** MUL, int8: TFLM mul_common.cc + reference_integer_ops MulElementwise / BroadcastMul4DSlow. */
import { multiplyByQuantizedMultiplier } from '../math/fixedpoint.js';
import { activationRangeQuantized, quantizeMultiplier } from '../math/quantize.js';
import { shapeText } from '../tensor.js';
import { broadcastIndexMap, broadcastShape, requireInt8, requireQuantized } from './common.js';
import type { EvalFn, OpContext } from './context.js';

export function prepareMul(ctx: OpContext): EvalFn {
  const opts = ctx.options;
  if (!opts || opts.kind !== 'MulOptions') ctx.fail('MUL without MulOptions');
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
  const [actMin, actMax] = activationRangeQuantized(opts.fusedActivation, out.type, out.scale, out.zeroPoint);
  const { multiplier, shift } = quantizeMultiplier((a.scale * b.scale) / out.scale);
  const off1 = -a.zeroPoint;
  const off2 = -b.zeroPoint;
  const outOff = out.zeroPoint;
  const x1 = a.data as Int8Array;
  const x2 = b.data as Int8Array;
  const y = out.data as Int8Array;
  const sameShapes = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  const map1 = sameShapes ? null : broadcastIndexMap(a.shape, shape);
  const map2 = sameShapes ? null : broadcastIndexMap(b.shape, shape);
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
