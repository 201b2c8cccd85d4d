/** QUANTIZE between integer types (int8→uint8 at the end of every micro_wake_word model): TFLM Requantize. */
import { TensorType } from '../../tflite/model.js';
import { multiplyByQuantizedMultiplier } from '../math/fixedpoint.js';
import { quantizeMultiplier, quantizedTypeRange } from '../math/quantize.js';
import { typeName } from '../tensor.js';
import { requireInt8, requireQuantized, requireSameSize } from './common.js';
import type { EvalFn, OpContext } from './context.js';

export function prepareQuantize(ctx: OpContext): EvalFn {
  const input = ctx.input(0);
  const out = ctx.output(0);
  requireInt8(ctx, input, 'input');
  if (out.type !== TensorType.UINT8 && out.type !== TensorType.INT8) {
    ctx.fail(`int8 → ${typeName(out.type)} QUANTIZE is not supported (int8 → uint8 / int8 are)`, 'unsupported');
  }
  requireQuantized(ctx, input, 'input');
  requireQuantized(ctx, out, 'output');
  if (out.scales!.length !== 1) ctx.fail(`output '${out.name}' must have per-tensor quantization`);
  requireSameSize(ctx, input, out);
  const { multiplier, shift } = quantizeMultiplier(input.scale / out.scale);
  const inZp = input.zeroPoint;
  const outZp = out.zeroPoint;
  const [lo, hi] = quantizedTypeRange(out.type)!;
  const x = input.data as Int8Array;
  const y = out.data;
  const n = input.size;
  // Requantize's fast path: same scale and a zero-point difference of exactly 128 between int8 and uint8 is a sign flip.
  const sameScale = multiplier === 1 << 30 && shift === 1;
  if (sameScale && out.type === TensorType.UINT8 && inZp - outZp === -128) {
    return () => {
      for (let i = 0; i < n; i++) y[i] = (x[i]! ^ 0x80) & 0xff;
    };
  }
  return () => {
    for (let i = 0; i < n; i++) {
      let v = multiplyByQuantizedMultiplier(x[i]! - inZp, multiplier, shift) + outZp;
      if (v < lo) v = lo;
      else if (v > hi) v = hi;
      y[i] = v;
    }
  };
}
