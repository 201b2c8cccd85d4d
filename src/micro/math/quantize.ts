/**
 * Prepare-time quantization arithmetic, as TFLM's quantization_util.cc and kernel_util.cc compute it
 * (doubles, with float32 operands where TFLM reads float32 tensor scales).
 */
import { Activation, TensorType } from '../../tflite/model.js';

/** C's std::round / TfLiteRound: round half away from zero. */
export function tfliteRound(x: number): number {
  return x >= 0 ? Math.floor(x + 0.5) : -Math.floor(-x + 0.5);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** std::frexp: x = mantissa · 2^exponent with |mantissa| in [0.5, 1) (0 → {0, 0}). */
export function frexp(x: number): { mantissa: number; exponent: number } {
  if (x === 0 || !Number.isFinite(x)) return { mantissa: x, exponent: 0 };
  let scaled = x;
  let bias = 0;
  f64[0] = x;
  if (((u32[HI] >>> 20) & 0x7ff) === 0) {
    // Subnormal: scale into the normal range first (exact).
    scaled = x * 2 ** 64;
    bias = -64;
    f64[0] = scaled;
  }
  const exponent = ((u32[HI] >>> 20) & 0x7ff) - 1022;
  return { mantissa: scaled / 2 ** exponent, exponent: exponent + bias };
}

export interface QuantizedMultiplier {
  multiplier: number;
  shift: number;
}

/** TFLM QuantizeMultiplier(double): significand in Q31 plus a power-of-two shift, incl. the round-to-2^31 edge. */
export function quantizeMultiplier(realMultiplier: number): QuantizedMultiplier {
  if (realMultiplier === 0) return { multiplier: 0, shift: 0 };
  const { mantissa, exponent } = frexp(realMultiplier);
  let shift = exponent;
  let qFixed = tfliteRound(mantissa * 2147483648);
  if (qFixed === 2147483648) {
    qFixed /= 2;
    shift += 1;
  }
  if (shift < -31) {
    shift = 0;
    qFixed = 0;
  }
  return { multiplier: qFixed, shift };
}

/** TFLM QuantizeMultiplierSmallerThanOneExp (requires 0 < m < 1; the shift comes back ≤ 0). */
export function quantizeMultiplierSmallerThanOneExp(realMultiplier: number): QuantizedMultiplier {
  if (!(realMultiplier > 0 && realMultiplier < 1)) {
    throw new RangeError(`multiplier ${realMultiplier} is not in (0, 1)`);
  }
  return quantizeMultiplier(realMultiplier);
}

/** TFLM CalculateInputRadius (non-emulated float path). */
export function calculateInputRadius(inputIntegerBits: number, inputLeftShift: number, totalSignedBits = 31): number {
  const maxInputRescaled = (((1 << inputIntegerBits) - 1) * 2 ** (totalSignedBits - inputIntegerBits)) / 2 ** inputLeftShift;
  return Math.floor(maxInputRescaled);
}

/** Integer range of a quantized tensor type (int8, uint8, int16). */
export function quantizedTypeRange(type: TensorType): [number, number] | null {
  switch (type) {
    case TensorType.INT8:
      return [-128, 127];
    case TensorType.UINT8:
      return [0, 255];
    case TensorType.INT16:
      return [-32768, 32767];
    default:
      return null;
  }
}

/** TFLM CalculateActivationRangeQuantized: the clamp range a fused activation imposes on a quantized output. */
export function activationRangeQuantized(activation: Activation, type: TensorType, scale: number, zeroPoint: number): [number, number] {
  const range = quantizedTypeRange(type);
  if (!range) throw new RangeError(`no quantized range for tensor type ${TensorType[type]}`);
  const [qmin, qmax] = range;
  // Quantize(f) = zero_point + round(f / scale), the division in float32 as TFLM does it.
  const q = (f: number): number => zeroPoint + tfliteRound(Math.fround(f / scale));
  switch (activation) {
    case Activation.RELU:
      return [Math.max(qmin, q(0)), qmax];
    case Activation.RELU6:
      return [Math.max(qmin, q(0)), Math.min(qmax, q(6))];
    case Activation.RELU_N1_TO_1:
      return [Math.max(qmin, q(-1)), Math.min(qmax, q(1))];
    default:
      return [qmin, qmax];
  }
}
