/**
 * MEAN (int8) against a reference written here from TFLM's C definitions, in BigInt: QuantizeMultiplier,
 * QuantizedMeanOrSum's 1/n fold into the multiplier, and MultiplyByQuantizedMultiplier (double rounding), with
 * the sums taken by plain nested loops over the input. A double formula (the real-valued mean, requantized)
 * checks the reference itself to within one step. Plus the arena calculator on a model containing MEAN.
 */
import { describe, expect, it } from 'vitest';
import { MwwError } from '../../src/errors.js';
import { computeArena, arenaAt, type ArenaTarget } from '../../src/micro/arena/index.js';
import { MicroGraph } from '../../src/micro/graph.js';
import { KERNELS } from '../../src/micro/kernels/index.js';
import { ESPHOME_OPS } from '../../src/tflite/ops.js';
import type { TfliteModel } from '../../src/tflite/model.js';
import { BuiltinOp, TensorType, buildModel } from './build-model.js';
import { mulberry32 } from '../../src/util/prng.js';

interface Quant {
  scale: number;
  zeroPoint: number;
}

function meanModel(shape: number[], axes: number[], keepDims: boolean, inQ: Quant, outQ: Quant, outShape: number[]): TfliteModel {
  return buildModel({
    tensors: [
      { shape, scale: inQ.scale, zeroPoint: inQ.zeroPoint, name: 'in' },
      { type: TensorType.INT32, shape: [axes.length], data: axes, name: 'axis' },
      { shape: outShape, scale: outQ.scale, zeroPoint: outQ.zeroPoint, name: 'out' },
    ],
    ops: [{ op: BuiltinOp.MEAN, inputs: [0, 1], outputs: [2], options: { kind: 'ReducerOptions', keepDims } }],
    inputs: [0],
    outputs: [2],
  });
}

function runMean(model: TfliteModel, input: Int8Array): number[] {
  const g = new MicroGraph(model, 'mean-test');
  g.tensors[0]![0]!.data.set(input);
  g.invoke();
  return Array.from(g.tensors[0]![2]!.data);
}

// ---- the reference, from the C text ------------------------------------------------------------------------

const f32 = (x: number): number => Math.fround(x);

/** QuantizeMultiplier(double): q = round(frac · 2^31) with x = frac · 2^e, frac in [0.5, 1); q = 2^31 → 2^30, e+1. */
function refQuantizeMultiplier(x: number): { m: bigint; s: number } {
  if (x === 0) return { m: 0n, s: 0 };
  let e = Math.floor(Math.log2(x)) + 1;
  while (x / 2 ** e >= 1) e++; // guard log2 rounding at powers of two
  while (x / 2 ** e < 0.5) e--;
  const frac = x / 2 ** e;
  let q = BigInt(Math.round(frac * 2 ** 31)); // frac > 0: Math.round is std::round here
  if (q === 1n << 31n) {
    q /= 2n;
    e++;
  }
  if (e < -31) return { m: 0n, s: 0 };
  return { m: q, s: e };
}

const wrap32 = (v: bigint): bigint => BigInt.asIntN(32, v);

/** gemmlowp SaturatingRoundingDoublingHighMul: (a·b + nudge) / 2^31, C division (toward zero). */
function refSrdhm(a: bigint, b: bigint): bigint {
  const min = -(1n << 31n);
  if (a === min && b === min) return (1n << 31n) - 1n;
  const ab = a * b;
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return (ab + nudge) / (1n << 31n);
}

/** gemmlowp RoundingDivideByPOT. */
function refRdbp(x: bigint, exponent: number): bigint {
  const mask = (1n << BigInt(exponent)) - 1n;
  const remainder = x & mask;
  const threshold = (mask >> 1n) + (x < 0n ? 1n : 0n);
  return (x >> BigInt(exponent)) + (remainder > threshold ? 1n : 0n);
}

function refMbqm(x: bigint, m: bigint, shift: number): bigint {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return refRdbp(refSrdhm(wrap32(x * (1n << BigInt(left))), m), right);
}

/** reference_ops::QuantizedMeanOrSum (compute_sum = false) on a row-major int8 tensor. */
function refMean(input: Int8Array, shape: number[], axes: number[], inQ: Quant, outQ: Quant): number[] {
  const rank = shape.length;
  const resolved: number[] = [];
  for (const a of axes) {
    const c = a < 0 ? a + rank : a;
    if (!resolved.includes(c)) resolved.push(c);
  }
  const kept = shape.map((_, i) => i).filter((i) => !resolved.includes(i));
  const outCount = kept.reduce((p, i) => p * shape[i]!, 1);
  const sums = new Array<bigint>(outCount).fill(0n);
  const idx = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < input.length; flat++) {
    let o = 0;
    for (const k of kept) o = o * shape[k]! + idx[k]!;
    sums[o] = wrap32(sums[o]! + BigInt(input[flat]!));
    for (let d = rank - 1; d >= 0 && ++idx[d]! >= shape[d]!; d--) idx[d] = 0;
  }
  const n = resolved.reduce((p, a) => p * shape[a]!, 1);
  const { m, s } = refQuantizeMultiplier(f32(inQ.scale) / f32(outQ.scale));
  let k = BigInt(n).toString(2).length - 1; // 63 − CountLeadingZeros(uint64 n)
  k = Math.min(k, 32, 31 + s);
  const m2 = (m << BigInt(k)) / BigInt(n);
  const s2 = s - k;
  return sums.map((sum) => {
    const shifted = wrap32(sum - BigInt(inQ.zeroPoint) * BigInt(n));
    const v = Number(refMbqm(shifted, m2, s2)) + outQ.zeroPoint;
    return Math.max(-128, Math.min(127, v));
  });
}

/** The real-valued mean, requantized: the reference must agree with it to within one step. */
function doubleMean(input: Int8Array, shape: number[], axes: number[], inQ: Quant, outQ: Quant): number[] {
  const rank = shape.length;
  const red = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  const kept = shape.map((_, i) => i).filter((i) => !red.has(i));
  const outCount = kept.reduce((p, i) => p * shape[i]!, 1);
  const acc = new Array<number>(outCount).fill(0);
  const idx = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < input.length; flat++) {
    let o = 0;
    for (const k of kept) o = o * shape[k]! + idx[k]!;
    acc[o]! += f32(inQ.scale) * (input[flat]! - inQ.zeroPoint);
    for (let d = rank - 1; d >= 0 && ++idx[d]! >= shape[d]!; d--) idx[d] = 0;
  }
  const n = [...red].reduce((p, a) => p * shape[a]!, 1);
  return acc.map((a) => Math.max(-128, Math.min(127, Math.round(a / n / f32(outQ.scale)) + outQ.zeroPoint)));
}


function randomInt8(n: number, seed: number, lo = -128, hi = 127): Int8Array {
  const r = mulberry32(seed);
  return Int8Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1)));
}

interface Case {
  name: string;
  shape: number[];
  axes: number[];
  keepDims: boolean;
  outShape: number[];
  inQ: Quant;
  outQ: Quant;
}

const A: Quant = { scale: 0.05, zeroPoint: -3 };
const B: Quant = { scale: 0.021, zeroPoint: 5 };

const CASES: Case[] = [
  { name: '4D over axes [1,2], keep_dims (global average pool), different quantization', shape: [1, 4, 3, 8], axes: [1, 2], keepDims: true, outShape: [1, 1, 1, 8], inQ: A, outQ: B },
  { name: '4D over axes [2,1], keep_dims false, equal quantization', shape: [2, 5, 3, 6], axes: [2, 1], keepDims: false, outShape: [2, 6], inQ: A, outQ: A },
  { name: '4D over axes [1,2], keep_dims, equal quantization', shape: [1, 6, 7, 4], axes: [1, 2], keepDims: true, outShape: [1, 1, 1, 4], inQ: B, outQ: B },
  { name: 'single axis (middle), keep_dims', shape: [2, 5, 6], axes: [1], keepDims: true, outShape: [2, 1, 6], inQ: A, outQ: B },
  { name: 'single negative axis (-1), keep_dims false', shape: [2, 5, 6], axes: [-1], keepDims: false, outShape: [2, 5], inQ: B, outQ: A },
  { name: 'duplicate axes [1,-2] count once', shape: [3, 4, 5], axes: [1, -2], keepDims: false, outShape: [3, 5], inQ: A, outQ: A },
  { name: 'axis 0 of a 2D tensor, input scale above output scale (positive shift)', shape: [7, 9], axes: [0], keepDims: false, outShape: [9], inQ: { scale: 0.5, zeroPoint: 0 }, outQ: { scale: 0.011, zeroPoint: -7 } },
  { name: '1600 elements per mean with a tiny rescale (k clamped at 31 + shift)', shape: [1, 40, 40, 2], axes: [1, 2], keepDims: true, outShape: [1, 1, 1, 2], inQ: { scale: 1e-9, zeroPoint: 3 }, outQ: { scale: 0.5, zeroPoint: 0 } },
  { name: 'rank 1 reduced to a scalar-like [1]', shape: [40], axes: [0], keepDims: true, outShape: [1], inQ: A, outQ: B },
];

describe('MEAN int8 (TFLM QuantizedMeanOrSum)', () => {
  for (const [i, c] of CASES.entries()) {
    it(c.name, () => {
      const n = c.shape.reduce((p, d) => p * d, 1);
      for (const seed of [1, 2, 3]) {
        const input = randomInt8(n, 1000 * i + seed);
        const expected = refMean(input, c.shape, c.axes, c.inQ, c.outQ);
        const got = runMean(meanModel(c.shape, c.axes, c.keepDims, c.inQ, c.outQ, c.outShape), input);
        expect(got).toEqual(expected);
        const approx = doubleMean(input, c.shape, c.axes, c.inQ, c.outQ);
        expected.forEach((v, j) => expect(Math.abs(v - approx[j]!)).toBeLessThanOrEqual(1));
      }
    });
  }

  it('saturates at the int8 range', () => {
    const shape = [1, 2, 2, 2];
    const input = Int8Array.from([127, -128, 127, -128, 127, -128, 127, -128]);
    const got = runMean(meanModel(shape, [1, 2], true, { scale: 1, zeroPoint: 0 }, { scale: 0.1, zeroPoint: 0 }, [1, 1, 1, 2]), input);
    expect(got).toEqual([127, -128]);
  });

  it('equal quantization still rounds (no truncating integer division): mean(1, 2) = 2, mean(-1, -2) = -1', () => {
    // QuantizeMultiplier(1.0) = (2^30, 1); n = 2 folds to (2^30, 0); MultiplyByQuantizedMultiplier(±3, 2^30, 0)
    // is SaturatingRoundingDoublingHighMul: (3·2^30 + 2^30) / 2^31 = 2 and (−3·2^30 + 1 − 2^30) / 2^31 → −1
    // (C truncation). The pre-2023 equal-scale path (sum / n in C) would have given 1 for the first.
    const q = { scale: 0.25, zeroPoint: 0 };
    const model = meanModel([2, 2], [1], false, q, q, [2]);
    const input = Int8Array.from([1, 2, -1, -2]);
    expect(refMean(input, [2, 2], [1], q, q)).toEqual([2, -1]);
    expect(runMean(model, input)).toEqual([2, -1]);
  });

  it('keep_dims changes only the shape: the values are the same either way', () => {
    const shape = [2, 3, 4, 5];
    const input = randomInt8(120, 77);
    const kept = runMean(meanModel(shape, [1, 3], true, A, B, [2, 1, 4, 1]), input);
    const dropped = runMean(meanModel(shape, [1, 3], false, A, B, [2, 4]), input);
    expect(kept).toEqual(dropped);
    expect(kept).toEqual(refMean(input, shape, [1, 3], A, B));
  });

  it('is stateless across invokes', () => {
    const shape = [1, 3, 3, 4];
    const g = new MicroGraph(meanModel(shape, [1, 2], true, A, B, [1, 1, 1, 4]), 'mean-test');
    const input = randomInt8(36, 5);
    g.tensors[0]![0]!.data.set(input);
    g.invoke();
    const first = Array.from(g.tensors[0]![2]!.data);
    g.invoke();
    expect(Array.from(g.tensors[0]![2]!.data)).toEqual(first);
    expect(first).toEqual(refMean(input, shape, [1, 2], A, B));
  });
});

describe('MEAN refusals', () => {
  const fails = (model: TfliteModel, kind: string, pattern: RegExp): void => {
    let err: unknown;
    try {
      new MicroGraph(model, 'm.tflite');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MwwError);
    expect((err as MwwError).kind).toBe(kind);
    expect((err as MwwError).message).toMatch(pattern);
  };

  it('more than two distinct axes (TFLM keeps resolved_axis[2] on its stack)', () => {
    fails(meanModel([2, 3, 4, 5], [1, 2, 3], false, A, A, [2]), 'unsupported', /operator 0 \(MEAN\): MEAN over 3 distinct axes \[1,2,3\]; TFLM's MEAN keeps at most 2/);
  });
  it('an axis out of range', () => {
    fails(meanModel([2, 3], [2], false, A, A, [2]), 'input', /axis tensor 'axis' \[2\]: axis 2 is out of range for a 2-dimensional input/);
    fails(meanModel([2, 3], [-3], false, A, A, [2]), 'input', /axis -3 is out of range/);
  });
  it('an output whose size does not match the reduction', () => {
    fails(meanModel([2, 3, 4], [1], false, A, A, [2, 3]), 'input', /output 'out' \[2,3\] has 6 elements, but the mean of \[2,3,4\] over axes \[1\] \(keep_dims false\) gives \[2,4\]/);
  });
  it('a float model, naming the tensor', () => {
    const model = meanModel([1, 2, 2, 3], [1, 2], true, A, A, [1, 1, 1, 3]);
    model.subgraphs[0]!.tensors[0]!.type = TensorType.FLOAT32;
    fails(model, 'unsupported', /input tensor 'in' is FLOAT32, but this runtime .* runs int8-quantized models only/);
  });
  it('a non-constant axis', () => {
    const model = meanModel([1, 2, 2, 3], [1, 2], true, A, A, [1, 1, 1, 3]);
    model.subgraphs[0]!.tensors[1]!.buffer = 0;
    fails(model, 'unsupported', /axis tensor 'axis' must be a constant/);
  });
});

describe('runtime coverage', () => {
  it('implements every operator of ESPHome\'s micro_wake_word resolver', () => {
    for (const code of ESPHOME_OPS) expect(KERNELS.has(code), `op ${code}`).toBe(true);
  });
});

describe('arena calculator with MEAN', () => {
  // int8 [1,4,4,8] → MEAN over [1,2] → [1,1,1,8]: the kernel requests one int32 temp-sum scratch buffer of
  // 8 × 4 = 32 bytes (reduce_common.cc PrepareMeanOrSumHelper) and allocates nothing else in Prepare.
  const model = meanModel([1, 4, 4, 8], [1, 2], true, A, B, [1, 1, 1, 8]);
  const targets: ArenaTarget[] = [
    { chip: 'esp32', espNn: '1.1.2' },
    { chip: 'esp32s3', espNn: '1.2.3' },
  ];
  for (const target of targets) {
    it(`accepts a model containing MEAN on ${target.chip} and counts its scratch`, () => {
      const r = computeArena(model, target);
      expect(r.perOpScratch).toEqual([{ subgraph: 0, op: 0, opName: 'MEAN', bytes: 32 }]);
      // Input (128), output (8 → 16) and the scratch (32) are all live during the one op: the plan stacks them.
      expect(r.head).toBe(128 + 16 + 32);
      expect(arenaAt(model, target, r.min).ok).toBe(true);
      expect(arenaAt(model, target, r.min - 1).ok).toBe(false);
    });
  }
  it('scales the scratch with the output, not the input', () => {
    const wide = meanModel([1, 4, 4, 8], [1], false, A, B, [1, 4, 8]);
    expect(computeArena(wide, { chip: 'esp32', espNn: '1.1.2' }).perOpScratch.map((s) => s.bytes)).toEqual([4 * 32]);
  });
});
