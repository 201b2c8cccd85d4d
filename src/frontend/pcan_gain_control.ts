import { type FrontendConfig } from './config.js';
import { msb32 } from './config.js';

export const PCAN_SNR_BITS = 12;
export const PCAN_OUTPUT_BITS = 6;
const WIDE_DYNAMIC_FUNCTION_BITS = 32;
const WIDE_DYNAMIC_FUNCTION_LUT_SIZE = 4 * WIDE_DYNAMIC_FUNCTION_BITS - 3;
const INT16_MAX = 0x7fff;

const f = Math.fround;

/**
 * `PcanGainLookupFunction`: gain = 2^gain_bits · (x / 2^input_bits + offset)^−strength, in C float.
 * powf is emulated as the double pow rounded to float (glibc's powf is within an ulp of that; the +0.5
 * truncation below only differs if a value sits on a rounding boundary, which none of the table points do).
 */
function gainLookup(strength: number, offset: number, gainBits: number, inputBits: number, x: number): number {
  const xf = f(f(x) / f(2 ** inputBits));
  const g = f(f(2 ** gainBits) * f(Math.pow(f(xf + offset), -strength)));
  if (g > INT16_MAX) return INT16_MAX;
  return Math.trunc(f(g + 0.5)) << 16 >> 16;
}

/**
 * The gain LUT of `PcanGainControlPopulateState`: entries 0 and 1 are gains at x = 0, 1; then for each
 * interval (2..32) a quadratic segment (y0, a1, a2) at index 4·interval − 6.
 */
export function buildGainLut(config: FrontendConfig, inputCorrectionBits: number): Int16Array {
  const p = config.pcanGainControl;
  const strength = f(p.strength);
  const offset = f(p.offset);
  const inputBits = config.noiseReduction.smoothingBits - inputCorrectionBits;
  const lut = new Int16Array(WIDE_DYNAMIC_FUNCTION_LUT_SIZE);
  lut[0] = gainLookup(strength, offset, p.gainBits, inputBits, 0);
  lut[1] = gainLookup(strength, offset, p.gainBits, inputBits, 1);
  for (let interval = 2; interval <= WIDE_DYNAMIC_FUNCTION_BITS; interval++) {
    const x0 = 2 ** (interval - 1);
    const x1 = x0 + Math.floor(x0 / 2);
    const x2 = interval === WIDE_DYNAMIC_FUNCTION_BITS ? x0 + (x0 - 1) : 2 * x0;
    const y0 = gainLookup(strength, offset, p.gainBits, inputBits, x0);
    const y1 = gainLookup(strength, offset, p.gainBits, inputBits, x1);
    const y2 = gainLookup(strength, offset, p.gainBits, inputBits, x2);
    const diff1 = y1 - y0;
    const diff2 = y2 - y0;
    const a1 = 4 * diff1 - diff2;
    const a2 = diff2 - a1;
    const base = 4 * interval - 6;
    lut[base] = y0;
    lut[base + 1] = a1;
    lut[base + 2] = a2;
  }
  return lut;
}

/** `WideDynamicFunction`: the gain for noise estimate x, from the piecewise-quadratic LUT. */
export function wideDynamicFunction(x: number, lut: Int16Array): number {
  if (x <= 2) return lut[x]!;
  const interval = msb32(x);
  const base = 4 * interval - 6;
  const frac = (interval < 11 ? x << (11 - interval) : x >>> (interval - 11)) & 0x3ff;
  let result = (lut[base + 2]! * frac) >> 5;
  result += lut[base + 1]! << 5;
  result = Math.imul(result, frac);
  result = (result + (1 << 14)) >> 15;
  result += lut[base]!;
  return (result << 16) >> 16;
}

/** `PcanShrink`: soft knee from the Q12 SNR to the Q6 output. */
export function pcanShrink(x: number): number {
  if (x < 2 << PCAN_SNR_BITS) return (Math.imul(x, x) >>> 0) >>> (2 + 2 * PCAN_SNR_BITS - PCAN_OUTPUT_BITS);
  return (x >>> (PCAN_SNR_BITS - PCAN_OUTPUT_BITS)) - (1 << PCAN_OUTPUT_BITS);
}

/** Per-channel automatic gain control normalised by the noise estimate (TFLM pcan_gain_control.c). */
export class PcanGainControlStage {
  readonly enabled: boolean;
  readonly gainLut: Int16Array;
  readonly snrShift: number;

  constructor(config: FrontendConfig, inputCorrectionBits: number) {
    this.enabled = config.pcanGainControl.enable;
    this.gainLut = buildGainLut(config, inputCorrectionBits);
    this.snrShift = config.pcanGainControl.gainBits - inputCorrectionBits - PCAN_SNR_BITS;
  }

  apply(signal: Float64Array, noiseEstimate: Float64Array): void {
    const lut = this.gainLut;
    const div = 2 ** this.snrShift;
    for (let i = 0; i < signal.length; i++) {
      // int16 gain read as uint32; the gains are positive, so the product stays below 2^47 (exact).
      const gain = wideDynamicFunction(noiseEstimate[i]!, lut) >>> 0;
      const snr = Math.floor((signal[i]! * gain) / div) >>> 0;
      signal[i] = pcanShrink(snr);
    }
  }
}
