import { type FrontendConfig } from './config.js';
import { msb32 } from './config.js';

const LOG_SCALE_LOG2 = 16;
const LOG_SCALE = 1 << LOG_SCALE_LOG2;
const LOG_SEGMENTS_LOG2 = 7;
const LOG_COEFF = 45426;

/** TFLM's `kLogLut`: log2(1 + x) − x correction in 128 segments, Q16. */
// prettier-ignore
const LOG_LUT = new Uint16Array([
  0, 224, 442, 654, 861, 1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329, 2490, 2646, 2797, 2944, 3087, 3224, 3358,
  3487, 3611, 3732, 3848, 3960, 4068, 4172, 4272, 4368, 4460, 4549, 4633, 4714, 4791, 4864, 4934, 5001, 5063, 5123,
  5178, 5231, 5280, 5326, 5368, 5408, 5444, 5477, 5507, 5533, 5557, 5578, 5595, 5610, 5622, 5631, 5637, 5640, 5641,
  5638, 5633, 5626, 5615, 5602, 5586, 5568, 5547, 5524, 5498, 5470, 5439, 5406, 5370, 5332, 5291, 5249, 5203, 5156,
  5106, 5054, 5000, 4944, 4885, 4825, 4762, 4697, 4630, 4561, 4490, 4416, 4341, 4264, 4184, 4103, 4020, 3935, 3848,
  3759, 3668, 3575, 3481, 3384, 3286, 3186, 3084, 2981, 2875, 2768, 2659, 2549, 2437, 2323, 2207, 2090, 1971, 1851,
  1729, 1605, 1480, 1353, 1224, 1094, 963, 830, 695, 559, 421, 282, 142, 0, 0,
]);

function log2FractionPart(x: number, log2x: number): number {
  let frac = (x - 2 ** log2x) | 0;
  if (log2x < LOG_SCALE_LOG2) frac <<= LOG_SCALE_LOG2 - log2x;
  else frac >>= log2x - LOG_SCALE_LOG2;
  const baseSeg = frac >>> (LOG_SCALE_LOG2 - LOG_SEGMENTS_LOG2);
  const segUnit = LOG_SCALE >>> LOG_SEGMENTS_LOG2;
  const c0 = LOG_LUT[baseSeg]!;
  const c1 = LOG_LUT[baseSeg + 1]!;
  const relPos = ((c1 - c0) * (frac - segUnit * baseSeg)) >> LOG_SCALE_LOG2;
  return frac + c0 + relPos;
}

/** Fixed-point natural log scaled by 2^scaleShift (TFLM log_scale.c `Log`). */
export function fixedLog(x: number, scaleShift: number): number {
  const integer = msb32(x) - 1;
  const fraction = log2FractionPart(x, integer);
  const log2 = integer * LOG_SCALE + fraction;
  const round = LOG_SCALE / 2;
  const loge = Math.floor((LOG_COEFF * log2 + round) / LOG_SCALE);
  return (((loge << scaleShift) >>> 0) + round) >>> LOG_SCALE_LOG2;
}

export class LogScaleStage {
  readonly enabled: boolean;
  readonly scaleShift: number;

  constructor(config: FrontendConfig) {
    this.enabled = config.logScale.enable;
    this.scaleShift = config.logScale.scaleShift;
  }

  /** `LogScaleApply`: uint32 signal → uint16 output (saturating). */
  apply(signal: Float64Array, correctionBits: number, out: Uint16Array): void {
    for (let i = 0; i < signal.length; i++) {
      let value = signal[i]!;
      if (this.enabled) {
        value = correctionBits < 0 ? value >>> -correctionBits : (value << correctionBits) >>> 0;
        value = value > 1 ? fixedLog(value, this.scaleShift) : 0;
      }
      out[i] = value < 0xffff ? value : 0xffff;
    }
  }
}
