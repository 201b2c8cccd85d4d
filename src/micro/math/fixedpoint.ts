/**
 * gemmlowp / TFLM 32-bit fixed-point primitives, exact to the bit, without BigInt.
 *
 * TFLM (without TFLITE_SINGLE_ROUNDING, its default) rescales every int32 accumulator with
 * MultiplyByQuantizedMultiplier = RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x << left, m), right).
 * SaturatingRoundingDoublingHighMul needs the exact 62-bit product a·b; a JS double holds only 53 bits,
 * so the product is formed from 16-bit halves whose partial products are each exact.
 */

const TWO_31 = 2147483648;
const TWO_30 = 1073741824;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * gemmlowp SaturatingRoundingDoublingHighMul(int32 a, int32 b):
 * trunc((a·b + nudge) / 2^31) with nudge = 2^30 (a·b ≥ 0) or 1 − 2^30 (a·b < 0); INT32_MIN·INT32_MIN saturates.
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  // b = bh·2^16 + bl with bl in [0, 2^16): both partial products are below 2^47, hence exact.
  const bl = b & 0xffff;
  const bh = b >> 16;
  const p = a * bh;
  const q = a * bl;
  // a·b = p·2^16 + q = ph·2^31 + (pl·2^16 + q) with p = ph·2^15 + pl, pl in [0, 2^15).
  const ph = Math.floor(p / 32768);
  const pl = p - ph * 32768;
  const negative = a !== 0 && b !== 0 && a < 0 !== b < 0;
  const r = pl * 65536 + q + (negative ? 1 - TWO_30 : TWO_30);
  const rq = Math.floor(r / TWO_31);
  let result = ph + rq; // floor((a·b + nudge) / 2^31)
  // C's integer division truncates toward zero: a negative, inexact quotient is one above the floor.
  if (negative && r !== rq * TWO_31) result += 1;
  return result | 0;
}

/** gemmlowp RoundingDivideByPOT: arithmetic shift right by `exponent` (0…31), rounding half away from zero. */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = exponent >= 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** TFLM MultiplyByQuantizedMultiplier(int32 x, int32 multiplier, int shift), double-rounding variant. */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const leftShift = shift > 0 ? shift : 0;
  const rightShift = shift > 0 ? 0 : -shift;
  // x * (1 << left_shift) in C is a wrapping int32 multiply.
  const shifted = leftShift === 0 ? x : Math.imul(x, 1 << leftShift);
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(shifted, multiplier), rightShift);
}

/** TFLM MultiplyByQuantizedMultiplierSmallerThanOneExp (ADD's rescaling); `leftShift` ≤ 0. */
export function multiplyByQuantizedMultiplierSmallerThanOneExp(x: number, multiplier: number, leftShift: number): number {
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x, multiplier), -leftShift);
}

/** gemmlowp RoundingHalfSum for int32: (a + b + sign) / 2 in 64 bits, truncated. */
export function roundingHalfSum(a: number, b: number): number {
  const sum = a + b; // exact: |sum| < 2^32
  const sign = sum >= 0 ? 1 : -1;
  return Math.trunc((sum + sign) / 2) | 0;
}

/** gemmlowp SaturatingRoundingMultiplyByPOT<exponent> for int32 (positive: saturating shift left; negative: rounding shift right). */
export function saturatingRoundingMultiplyByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  if (exponent < 0) return roundingDivideByPOT(x, -exponent);
  const threshold = (1 << (31 - exponent)) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return x << exponent;
}
