/**
 * The int8 LOGISTIC path of TFLM (logistic_common.cc + reference_integer_ops::Logistic): the input is rescaled
 * to gemmlowp Q4.27 and gemmlowp's fixed-point logistic gives a Q0.31 result, rounded to int8 with zero point −128.
 */
import {
  multiplyByQuantizedMultiplier,
  roundingDivideByPOT,
  roundingHalfSum,
  saturatingRoundingDoublingHighMul as mul,
  saturatingRoundingMultiplyByPOT,
} from './fixedpoint.js';
import { calculateInputRadius, frexp, tfliteRound } from './quantize.js';

const INPUT_INTEGER_BITS = 4;
const OUTPUT_INTEGER_BITS = 8;
const ONE_Q0 = 0x7fffffff; // FixedPoint<int32, 0>::One()

/** exp(x) for x in [−1/4, 0), Q0.31 in and out. */
function expOnIntervalBetweenNegativeOneQuarterAnd0Excl(a: number): number {
  const constantTerm = 1895147668; // exp(−1/8)
  const constantOneOverThree = 715827883;
  const x = (a + (1 << 28)) | 0; // a + 1/8
  const x2 = mul(x, x);
  const x3 = mul(x2, x);
  const x4 = mul(x2, x2);
  const x4Over4 = roundingDivideByPOT(x4, 2);
  const poly = roundingDivideByPOT((mul((x4Over4 + x3) | 0, constantOneOverThree) + x2) | 0, 1);
  return (constantTerm + mul(constantTerm, (x + poly) | 0)) | 0;
}

/** exp_on_negative_values' barrel shifter: exp(−2^k) in Q0.31 for k = −2 … 4 (module constants: this runs per value). */
const BARREL_EXPONENTS = [-2, -1, 0, 1, 2, 3, 4] as const;
const BARREL_MULTIPLIERS = [1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242] as const;

/** gemmlowp exp_on_negative_values for a Q(integerBits) input; result Q0.31. */
export function expOnNegativeValues(a: number, integerBits: number): number {
  const fractionalBits = 31 - integerBits;
  const oneQuarter = 1 << (fractionalBits - 2);
  const mask = oneQuarter - 1;
  const aModQuarterMinusOneQuarter = ((a & mask) - oneQuarter) | 0;
  let result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(saturatingRoundingMultiplyByPOT(aModQuarterMinusOneQuarter, integerBits));
  const remainder = (aModQuarterMinusOneQuarter - a) | 0;
  // Barrel shifter: multiply by exp(−2^k) for each bit k of the remainder.
  for (let k = 0; k < BARREL_EXPONENTS.length; k++) {
    const exponent = BARREL_EXPONENTS[k]!;
    if (integerBits > exponent) {
      const bit = 1 << (fractionalBits + exponent);
      if ((remainder & bit) !== 0) result = mul(result, BARREL_MULTIPLIERS[k]!);
    }
  }
  if (integerBits > 5) {
    const clamp = -(1 << (36 - integerBits)); // −32 in Q(integerBits)
    if (a < clamp) result = 0;
  }
  if (a === 0) result = ONE_Q0;
  return result;
}

/** gemmlowp one_over_one_plus_x_for_x_in_0_1: Newton–Raphson division, Q0.31 in and out. */
function oneOverOnePlusXForXIn01(a: number): number {
  const halfDenominator = roundingHalfSum(a, ONE_Q0);
  const constant48Over17 = 1515870810; // Q2.29
  const constantNeg32Over17 = -1010580540; // Q2.29
  const oneQ2 = 1 << 29;
  let x = (constant48Over17 + mul(halfDenominator, constantNeg32Over17)) | 0;
  for (let i = 0; i < 3; i++) {
    const halfDenominatorTimesX = mul(halfDenominator, x);
    const oneMinus = (oneQ2 - halfDenominatorTimesX) | 0;
    x = (x + saturatingRoundingMultiplyByPOT(mul(x, oneMinus), 2)) | 0;
  }
  // ExactMulByPot<-1> turns Q2 into Q1 (same raw), then Rescale<0> shifts left by 1, saturating.
  return saturatingRoundingMultiplyByPOT(x, 1);
}

/** gemmlowp logistic(FixedPoint<int32, integerBits>) → raw Q0.31. */
export function gemmlowpLogistic(a: number, integerBits: number): number {
  if (a === 0) return 1 << 30; // one half
  const positive = a > 0;
  const absInput = positive ? a : -a | 0;
  const resultIfPositive = oneOverOnePlusXForXIn01(expOnNegativeValues(-absInput | 0, integerBits));
  return positive ? resultIfPositive : (ONE_Q0 - resultIfPositive) | 0;
}

export interface LogisticInt8Params {
  inputZeroPoint: number;
  inputRangeRadius: number;
  inputMultiplier: number;
  inputLeftShift: number;
}

/** Prepare: TFLM CalculateArithmeticOpDataLogistic for int8 (note: no round-to-2^31 correction here). */
export function logisticInt8Params(inputScale: number, inputZeroPoint: number): LogisticInt8Params {
  const inputRealMultiplier = inputScale * (1 << (31 - INPUT_INTEGER_BITS));
  const { mantissa, exponent } = frexp(inputRealMultiplier);
  // static_cast<int32_t> of round(q · 2^31): 2^31 wraps like the C conversion does on every target TFLM runs on.
  const inputMultiplier = tfliteRound(mantissa * 2147483648) | 0;
  return {
    inputZeroPoint,
    inputLeftShift: exponent,
    inputMultiplier,
    inputRangeRadius: calculateInputRadius(INPUT_INTEGER_BITS, exponent, 31),
  };
}

/** Eval for one int8 value: reference_integer_ops::Logistic. */
export function logisticInt8(value: number, p: LogisticInt8Params): number {
  const input = value - p.inputZeroPoint;
  if (input <= -p.inputRangeRadius) return -128;
  if (input >= p.inputRangeRadius) return 127;
  const inputInQ4 = multiplyByQuantizedMultiplier(input, p.inputMultiplier, p.inputLeftShift);
  const outputInQ0 = gemmlowpLogistic(inputInQ4, INPUT_INTEGER_BITS);
  let out = roundingDivideByPOT(outputInQ0, 31 - OUTPUT_INTEGER_BITS) - 128;
  if (out < -128) out = -128;
  if (out > 127) out = 127;
  return out;
}
