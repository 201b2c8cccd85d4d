/**
 * The fixed-point primitives against a BigInt transcription of the C definitions (int64 arithmetic with C's
 * truncating division), over edge values and a large pseudo-random sample.
 */
import { describe, expect, it } from 'vitest';
import {
  multiplyByQuantizedMultiplier,
  multiplyByQuantizedMultiplierSmallerThanOneExp,
  roundingDivideByPOT,
  roundingHalfSum,
  saturatingRoundingDoublingHighMul,
} from '../../src/micro/math/fixedpoint.js';
import { calculateInputRadius, frexp, quantizeMultiplier, tfliteRound } from '../../src/micro/math/quantize.js';
import { Activation, TensorType } from '../../src/tflite/model.js';
import { activationRangeQuantized } from '../../src/micro/math/quantize.js';

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

/** C's int64 division truncates toward zero, as BigInt division does. */
function refSrdhm(a: number, b: number): number {
  if (a === I32_MIN && b === I32_MIN) return I32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number(BigInt.asIntN(32, (ab + nudge) / (1n << 31n)));
}

function refRdbpot(x: number, e: number): number {
  const mask = (1n << BigInt(e)) - 1n;
  const bx = BigInt(x);
  const remainder = bx & mask;
  const threshold = (mask >> 1n) + (bx < 0n ? 1n : 0n);
  return Number((bx >> BigInt(e)) + (remainder > threshold ? 1n : 0n));
}

function refMbqm(x: number, m: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  const shifted = Number(BigInt.asIntN(32, BigInt(x) * (1n << BigInt(left))));
  return refRdbpot(refSrdhm(shifted, m), right);
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

const EDGES = [0, 1, -1, 2, -2, 3, 127, -128, 255, 1 << 15, -(1 << 15), 65535, 65536, -65536, 1 << 30, -(1 << 30), (1 << 30) + 1, I32_MAX, I32_MIN, I32_MIN + 1, I32_MAX - 1, 1234567890, -1234567890];

describe('SaturatingRoundingDoublingHighMul', () => {
  it('matches the 64-bit definition on edge values', () => {
    for (const a of EDGES) for (const b of EDGES) expect(saturatingRoundingDoublingHighMul(a, b), `${a}·${b}`).toBe(refSrdhm(a, b));
  });
  it('matches the 64-bit definition on 50k random pairs', () => {
    const r = lcg(42);
    for (let i = 0; i < 50000; i++) {
      const a = r() | 0;
      const b = i % 3 === 0 ? (r() >>> 1) | 0 : r() | 0;
      const got = saturatingRoundingDoublingHighMul(a, b);
      if (got !== refSrdhm(a, b)) expect(got, `${a}·${b}`).toBe(refSrdhm(a, b));
    }
  });
  it('rounds ties upward, as its nudge 1 − 2^30 for negative products does (x·2^30 / 2^31 = x/2)', () => {
    expect(saturatingRoundingDoublingHighMul(3, 1 << 30)).toBe(2); // 1.5 → 2
    expect(saturatingRoundingDoublingHighMul(-3, 1 << 30)).toBe(-1); // -1.5 → -1
    expect(saturatingRoundingDoublingHighMul(-5, 1 << 30)).toBe(-2); // -2.5 → -2
    expect(saturatingRoundingDoublingHighMul(I32_MIN, I32_MIN)).toBe(I32_MAX);
  });
});

describe('RoundingDivideByPOT', () => {
  it('matches the definition for every exponent 0..31', () => {
    const r = lcg(7);
    for (let e = 0; e <= 31; e++) {
      for (const x of EDGES) expect(roundingDivideByPOT(x, e), `${x}>>${e}`).toBe(refRdbpot(x, e));
      for (let i = 0; i < 2000; i++) {
        const x = r() | 0;
        expect(roundingDivideByPOT(x, e)).toBe(refRdbpot(x, e));
      }
    }
  });
  it('rounds half away from zero', () => {
    expect(roundingDivideByPOT(5, 1)).toBe(3);
    expect(roundingDivideByPOT(-5, 1)).toBe(-3);
    expect(roundingDivideByPOT(-6, 2)).toBe(-2); // -1.5 → -2
    expect(roundingDivideByPOT(6, 2)).toBe(2); // 1.5 → 2
    expect(roundingDivideByPOT(5, 2)).toBe(1); // 1.25 → 1
  });
});

describe('MultiplyByQuantizedMultiplier (double rounding)', () => {
  it('matches the definition for random accumulators, multipliers and shifts', () => {
    const r = lcg(99);
    for (let i = 0; i < 30000; i++) {
      const x = (r() | 0) >> (r() % 24);
      const m = (1 << 30) + (r() % (1 << 30));
      const shift = (r() % 40) - 31; // -31..8
      expect(multiplyByQuantizedMultiplier(x, m, shift)).toBe(refMbqm(x, m, shift));
    }
  });
  it('shows the double rounding TFLM has (TFLite single rounding would differ)', () => {
    // 0.75 = 1610612736 / 2^31; 3·0.75 = 2.25 in one step, but SRDHM first rounds 3·m/2^31 up to an integer.
    expect(multiplyByQuantizedMultiplier(3, 1610612736, 0)).toBe(2);
    expect(multiplyByQuantizedMultiplier(100, 1 << 30, -1)).toBe(25);
    expect(multiplyByQuantizedMultiplier(-7, 1 << 30, 1)).toBe(-7);
  });
  it('SmallerThanOneExp variant equals RDBPOT(SRDHM)', () => {
    const r = lcg(5);
    for (let i = 0; i < 20000; i++) {
      const x = (r() | 0) >> 4;
      const m = (1 << 30) + (r() % (1 << 30));
      const s = -(r() % 20);
      expect(multiplyByQuantizedMultiplierSmallerThanOneExp(x, m, s)).toBe(refRdbpot(refSrdhm(x, m), -s));
    }
  });
});

describe('RoundingHalfSum', () => {
  it('rounds (a+b)/2 half away from zero in 64 bits', () => {
    expect(roundingHalfSum(1, 2)).toBe(2);
    expect(roundingHalfSum(-1, -2)).toBe(-2);
    expect(roundingHalfSum(I32_MAX, I32_MAX)).toBe(I32_MAX);
    expect(roundingHalfSum(0, I32_MAX)).toBe(1 << 30);
  });
});

describe('QuantizeMultiplier', () => {
  it('splits a double into a Q31 significand and a shift (frexp semantics)', () => {
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 1 << 30, shift: 0 });
    expect(quantizeMultiplier(1)).toEqual({ multiplier: 1 << 30, shift: 1 });
    expect(quantizeMultiplier(0.25)).toEqual({ multiplier: 1 << 30, shift: -1 });
    expect(quantizeMultiplier(0.75)).toEqual({ multiplier: 1610612736, shift: 0 });
    expect(quantizeMultiplier(3)).toEqual({ multiplier: 1610612736, shift: 2 });
  });
  it('handles the significand rounding up to 2^31', () => {
    // 1 − 2^-40: frexp gives mantissa just below 1, q·2^31 rounds to 2^31, so it becomes 2^30 with shift + 1.
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ multiplier: 1 << 30, shift: 1 });
    expect(quantizeMultiplier(0.5 - 2 ** -45)).toEqual({ multiplier: 1 << 30, shift: 0 });
  });
  it('flushes multipliers below 2^-32 to zero', () => {
    expect(quantizeMultiplier(2 ** -40)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(2 ** -32)).toEqual({ multiplier: 1 << 30, shift: -31 });
  });
  it('reconstructs the multiplier to within 2^-31 relative error', () => {
    const r = lcg(11);
    for (let i = 0; i < 10000; i++) {
      const d = (0.5 + r() / 2 ** 33) * 2 ** ((r() % 40) - 25);
      const { multiplier, shift } = quantizeMultiplier(d);
      expect(multiplier).toBeGreaterThanOrEqual(1 << 30);
      expect(multiplier).toBeLessThanOrEqual(I32_MAX);
      expect(Math.abs((multiplier * 2 ** shift) / 2 ** 31 - d) / d).toBeLessThanOrEqual(2 ** -31);
    }
  });
  it('frexp handles subnormals', () => {
    const { mantissa, exponent } = frexp(5e-324);
    expect(mantissa).toBe(0.5);
    expect(exponent).toBe(-1073);
  });
});

describe('small helpers', () => {
  it('tfliteRound rounds half away from zero', () => {
    expect([2.5, -2.5, 0.49, -0.5, 3].map(tfliteRound)).toEqual([3, -3, 0, -1, 3]);
  });
  it('CalculateInputRadius', () => {
    // (2^4 − 1)·2^27 / 2^shift, floored.
    expect(calculateInputRadius(4, 25)).toBe(60);
    expect(calculateInputRadius(4, 20)).toBe(1920);
  });
  it('CalculateActivationRangeQuantized', () => {
    expect(activationRangeQuantized(Activation.NONE, TensorType.INT8, 0.1, 5)).toEqual([-128, 127]);
    expect(activationRangeQuantized(Activation.RELU, TensorType.INT8, 0.1, -128)).toEqual([-128, 127]);
    expect(activationRangeQuantized(Activation.RELU, TensorType.INT8, 0.1, 5)).toEqual([5, 127]);
    expect(activationRangeQuantized(Activation.RELU6, TensorType.INT8, 0.05, -100)).toEqual([-100, 20]);
    expect(activationRangeQuantized(Activation.RELU_N1_TO_1, TensorType.INT8, 0.25, 0)).toEqual([-4, 4]);
    expect(activationRangeQuantized(Activation.NONE, TensorType.UINT8, 0.1, 5)).toEqual([0, 255]);
  });
});
