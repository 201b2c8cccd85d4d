/**
 * Kernels run alone on hand-built graphs. Expected values come from the reference-kernel definitions evaluated
 * naively in the test (plain nested loops, the rounding written out), with scales chosen so the requantization
 * is an exact power of two: output = round-half-up(acc / 2^k), what MultiplyByQuantizedMultiplier does then.
 */
import { describe, expect, it } from 'vitest';
import { MicroGraph } from '../../src/micro/graph.js';
import { stridedSliceIndices } from '../../src/micro/kernels/strided_slice.js';
import { multiplyByQuantizedMultiplier } from '../../src/micro/math/fixedpoint.js';
import { quantizeMultiplier } from '../../src/micro/math/quantize.js';
import { Activation, Padding } from '../../src/tflite/model.js';
import { BuiltinOp, TensorType, buildModel, type TensorSpec } from './build-model.js';

/** Runs a one-op graph: tensor 0 is the input, the last tensor the output. */
function runOne(tensors: TensorSpec[], op: number, inputs: number[], options: Parameters<typeof buildModel>[0]['ops'][0]['options'], input: number[], extraInputs: Array<[number, number[]]> = []): number[] {
  const out = tensors.length - 1;
  const g = new MicroGraph(buildModel({ tensors, ops: [{ op, inputs, outputs: [out], options }], inputs: [0], outputs: [out] }), 'test');
  g.tensors[0]![0]!.data.set(input);
  for (const [i, v] of extraInputs) g.tensors[0]![i]!.data.set(v);
  g.invoke();
  return Array.from(g.tensors[0]![out]!.data);
}

const halfUp = (x: number): number => Math.floor(x + 0.5);
const clamp8 = (v: number, lo = -128, hi = 127): number => Math.max(lo, Math.min(hi, v));
const seq = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

describe('STRIDED_SLICE index logic', () => {
  const base = { beginMask: 0, endMask: 0, shrinkAxisMask: 0, offset: false };
  it('keeps the last frames of a ring buffer (negative begin, begin_mask 13, end_mask 15)', () => {
    const idx = stridedSliceIndices([1, 5, 1, 2], { ...base, begin: [0, -2, 0, 0], end: [0, 0, 0, 2], strides: [1, 1, 1, 1], beginMask: 13, endMask: 15 });
    expect(idx).toEqual([6, 7, 8, 9]);
  });
  it('shrink_axis_mask takes one row', () => {
    expect(stridedSliceIndices([3, 4], { ...base, begin: [1, 0], end: [2, 4], strides: [1, 1], shrinkAxisMask: 1 })).toEqual([4, 5, 6, 7]);
  });
  it('negative strides walk backwards and clamp at -1', () => {
    expect(stridedSliceIndices([5], { ...base, begin: [-1], end: [-6], strides: [-1] })).toEqual([4, 3, 2, 1, 0]);
    expect(stridedSliceIndices([6], { ...base, begin: [0], end: [6], strides: [2] })).toEqual([0, 2, 4]);
  });
  it('offset makes end relative to begin', () => {
    expect(stridedSliceIndices([5], { ...base, begin: [1], end: [2], strides: [1], offset: true })).toEqual([1, 2]);
  });
  it('out-of-range begin/end clamp to the axis', () => {
    expect(stridedSliceIndices([4], { ...base, begin: [-10], end: [10], strides: [1] })).toEqual([0, 1, 2, 3]);
  });
  it('runs as an operator with constant begin/end/strides', () => {
    const ints = (v: number[]): TensorSpec => ({ type: TensorType.INT32, shape: [v.length], data: v });
    const y = runOne(
      [{ shape: [1, 5, 1, 2], scale: 1 }, ints([0, -3, 0, 0]), ints([0, 0, 0, 2]), ints([1, 1, 1, 1]), { shape: [1, 3, 1, 2], scale: 1 }],
      BuiltinOp.STRIDED_SLICE,
      [0, 1, 2, 3],
      { kind: 'StridedSliceOptions', beginMask: 13, endMask: 15, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false },
      seq(10, (i) => i * 3 - 10),
    );
    expect(y).toEqual(seq(6, (i) => (i + 4) * 3 - 10));
  });
});

describe('CONV_2D (int8, per-channel)', () => {
  // input scale 0.5 × weight scale 1 / output scale 1 → multiplier 0.5: y = round-half-up(acc / 2) + zp_out.
  function naiveConv(x: number[], H: number, W: number, C: number, w: number[], O: number, KH: number, KW: number, bias: number[], zpIn: number, pad: [number, number], stride: [number, number], outHW: [number, number], zpOut: number, act: [number, number]): number[] {
    const out: number[] = [];
    for (let oy = 0; oy < outHW[0]; oy++)
      for (let ox = 0; ox < outHW[1]; ox++)
        for (let o = 0; o < O; o++) {
          let acc = bias[o]!;
          for (let fy = 0; fy < KH; fy++)
            for (let fx = 0; fx < KW; fx++) {
              const iy = oy * stride[0] - pad[0] + fy;
              const ix = ox * stride[1] - pad[1] + fx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              for (let c = 0; c < C; c++) acc += w[((o * KH + fy) * KW + fx) * C + c]! * (x[(iy * W + ix) * C + c]! - zpIn);
            }
          out.push(clamp8(halfUp(acc / 2) + zpOut, act[0], act[1]));
        }
    return out;
  }
  const [H, W, C, O, KH, KW] = [4, 3, 3, 2, 3, 2];
  const x = seq(H * W * C, (i) => ((i * 37) % 61) - 30);
  const w = seq(O * KH * KW * C, (i) => ((i * 53) % 41) - 20);
  const bias = [17, -9];
  const spec = (outShape: number[], zpOut: number): TensorSpec[] => [
    { shape: [1, H, W, C], scale: 0.5, zeroPoint: 3 },
    { shape: [O, KH, KW, C], scale: [1, 1], data: w },
    { type: TensorType.INT32, shape: [O], scale: [0.5, 0.5], data: bias },
    { shape: outShape, scale: 1, zeroPoint: zpOut },
  ];
  it('SAME padding, stride 1, input zero point excluded at the padded taps', () => {
    const y = runOne(spec([1, H, W, O], -5), BuiltinOp.CONV_2D, [0, 1, 2], { kind: 'Conv2DOptions', padding: Padding.SAME, strideW: 1, strideH: 1, fusedActivation: Activation.NONE, dilationW: 1, dilationH: 1 }, x);
    // SAME: total padding (H−1)+3−H = 2 → 1 before; width (W−1)+2−W = 1 → 0 before.
    expect(y).toEqual(naiveConv(x, H, W, C, w, O, KH, KW, bias, 3, [1, 0], [1, 1], [H, W], -5, [-128, 127]));
  });
  it('VALID padding, stride 2×1, fused RELU', () => {
    const outH = Math.floor((H - KH) / 2) + 1;
    const outW = W - KW + 1;
    const y = runOne(spec([1, outH, outW, O], -20), BuiltinOp.CONV_2D, [0, 1, 2], { kind: 'Conv2DOptions', padding: Padding.VALID, strideW: 1, strideH: 2, fusedActivation: Activation.RELU, dilationW: 1, dilationH: 1 }, x);
    expect(y).toEqual(naiveConv(x, H, W, C, w, O, KH, KW, bias, 3, [0, 0], [2, 1], [outH, outW], -20, [-20, 127]));
  });
  it('rejects an output shape that does not follow from the input and filter', () => {
    expect(() => runOne(spec([1, 3, 3, O], 0), BuiltinOp.CONV_2D, [0, 1, 2], { kind: 'Conv2DOptions', padding: Padding.VALID, strideW: 1, strideH: 1, fusedActivation: Activation.NONE, dilationW: 1, dilationH: 1 }, x)).toThrow(/has shape \[1,3,3,2\].*gives \[1,2,2,2\]/);
  });
});

describe('DEPTHWISE_CONV_2D (depth multiplier 2)', () => {
  it('matches the reference loop with SAME padding', () => {
    const [H, W, C, M, KH, KW] = [5, 1, 2, 2, 3, 1];
    const x = seq(H * W * C, (i) => ((i * 29) % 50) - 25);
    const w = seq(KH * KW * C * M, (i) => ((i * 31) % 37) - 18);
    const bias = [5, -3, 0, 100];
    const y = runOne(
      [
        { shape: [1, H, W, C], scale: 0.5, zeroPoint: -7 },
        { shape: [1, KH, KW, C * M], scale: [1, 1, 1, 1], quantizedDimension: 3, data: w },
        { type: TensorType.INT32, shape: [C * M], scale: 0.5, data: bias },
        { shape: [1, H, W, C * M], scale: 1, zeroPoint: 2 },
      ],
      BuiltinOp.DEPTHWISE_CONV_2D,
      [0, 1, 2],
      { kind: 'DepthwiseConv2DOptions', padding: Padding.SAME, strideW: 1, strideH: 1, depthMultiplier: M, fusedActivation: Activation.NONE, dilationW: 1, dilationH: 1 },
      x,
    );
    const expected: number[] = [];
    for (let oy = 0; oy < H; oy++)
      for (let c = 0; c < C; c++)
        for (let m = 0; m < M; m++) {
          const oc = c * M + m;
          let acc = bias[oc]!;
          for (let fy = 0; fy < KH; fy++) {
            const iy = oy - 1 + fy;
            if (iy < 0 || iy >= H) continue;
            acc += w[fy * C * M + oc]! * (x[iy * C + c]! + 7);
          }
          expected.push(clamp8(halfUp(acc / 2) + 2));
        }
    expect(y).toEqual(expected);
  });
});

describe('FULLY_CONNECTED', () => {
  it('per-tensor weights: y = round-half-up(acc/4) + zp', () => {
    const depth = 6;
    const w = [3, -1, 4, -1, 5, -9, 2, 6, -5, 3, 5, -8];
    const x = [10, -20, 30, -40, 50, 127];
    const y = runOne(
      [
        { shape: [1, depth], scale: 0.5, zeroPoint: 1 },
        { shape: [2, depth], scale: 0.5, data: w },
        { type: TensorType.INT32, shape: [2], scale: 0.25, data: [7, -7] },
        { shape: [1, 2], scale: 1, zeroPoint: 0 },
      ],
      BuiltinOp.FULLY_CONNECTED,
      [0, 1, 2],
      { kind: 'FullyConnectedOptions', fusedActivation: Activation.NONE, weightsFormat: 0, keepNumDims: false, asymmetricQuantizeInputs: false },
      x,
    );
    const expected = [0, 1].map((u) => {
      let acc = u === 0 ? 7 : -7;
      for (let d = 0; d < depth; d++) acc += w[u * depth + d]! * (x[d]! - 1);
      return clamp8(halfUp(acc / 4));
    });
    expect(y).toEqual(expected);
  });
});

describe('per-tensor requantization: FULLY_CONNECTED multiplies the float32 scales in float32, CONV_2D in double', () => {
  // float32 scales for which float32(in·w) and the double product give multipliers 1616739836 vs 1616739805
  // (shift −10), and an accumulator (the bias alone: weight 0) whose requantized value then differs: 99 vs 98.
  const inScale = 0.06651540845632553;
  const wScale = 0.0040481435135006905;
  const outScale = 0.3662417531013489;
  const acc = 133975;
  it('the scales are float32 and the two products really requantize differently', () => {
    for (const v of [inScale, wScale, outScale]) expect(Math.fround(v)).toBe(v);
    const viaFloat32 = quantizeMultiplier(Math.fround(inScale * wScale) / outScale);
    const viaDouble = quantizeMultiplier((inScale * wScale) / outScale);
    expect(viaFloat32).toEqual({ multiplier: 1616739836, shift: -10 });
    expect(viaDouble).toEqual({ multiplier: 1616739805, shift: -10 });
    expect(multiplyByQuantizedMultiplier(acc, viaFloat32.multiplier, viaFloat32.shift)).toBe(99);
    expect(multiplyByQuantizedMultiplier(acc, viaDouble.multiplier, viaDouble.shift)).toBe(98);
  });
  it('FULLY_CONNECTED (GetQuantizedConvolutionMultipler): 99', () => {
    const y = runOne(
      [
        { shape: [1, 1], scale: inScale },
        { shape: [1, 1], scale: wScale, data: [0] },
        { type: TensorType.INT32, shape: [1], scale: inScale * wScale, data: [acc] },
        { shape: [1, 1], scale: outScale },
      ],
      BuiltinOp.FULLY_CONNECTED,
      [0, 1, 2],
      { kind: 'FullyConnectedOptions', fusedActivation: Activation.NONE, weightsFormat: 0, keepNumDims: false, asymmetricQuantizeInputs: false },
      [5],
    );
    expect(y).toEqual([99]);
  });
  it('CONV_2D (PopulateConvolutionQuantizationParams): 98', () => {
    const y = runOne(
      [
        { shape: [1, 1, 1, 1], scale: inScale },
        { shape: [1, 1, 1, 1], scale: wScale, data: [0] },
        { type: TensorType.INT32, shape: [1], scale: inScale * wScale, data: [acc] },
        { shape: [1, 1, 1, 1], scale: outScale },
      ],
      BuiltinOp.CONV_2D,
      [0, 1, 2],
      { kind: 'Conv2DOptions', padding: Padding.VALID, strideW: 1, strideH: 1, fusedActivation: Activation.NONE, dilationW: 1, dilationH: 1 },
      [5],
    );
    expect(y).toEqual([98]);
  });
});

describe('pooling', () => {
  const x = [-7, 3, 5, -2, 9, 1, -4, -8, 6, 2, -3, 100];
  it('AVERAGE_POOL_2D SAME: counts only the taps inside, rounds half away from zero', () => {
    // input [1,3,4,1] (H=3,W=4), 2×2 window, stride 2 → out [1,2,2,1]; SAME total padding H: 1 → 0 before.
    const y = runOne([{ shape: [1, 3, 4, 1], scale: 1 }, { shape: [1, 2, 2, 1], scale: 1 }], BuiltinOp.AVERAGE_POOL_2D, [0], { kind: 'Pool2DOptions', padding: Padding.SAME, strideW: 2, strideH: 2, filterWidth: 2, filterHeight: 2, fusedActivation: Activation.NONE }, x);
    const avg = (vals: number[]): number => {
      const s = vals.reduce((a, b) => a + b, 0);
      const n = vals.length;
      return s > 0 ? Math.trunc((s + Math.trunc(n / 2)) / n) : Math.trunc((s - Math.trunc(n / 2)) / n);
    };
    expect(y).toEqual([avg([-7, 3, 9, 1]), avg([5, -2, -4, -8]), avg([6, 2]), avg([-3, 100])]);
    expect(y).toEqual([2, -2, 4, 49]); // 6/4 = 1.5 → 2; −9/4 → −2; 8/2 = 4; 97/2 = 48.5 → 49
  });
  it('MAX_POOL_2D VALID with fused RELU (zero point 0 → clamp at 0)', () => {
    const y = runOne([{ shape: [1, 3, 4, 1], scale: 1 }, { shape: [1, 1, 3, 1], scale: 1 }], BuiltinOp.MAX_POOL_2D, [0], { kind: 'Pool2DOptions', padding: Padding.VALID, strideW: 1, strideH: 1, filterWidth: 2, filterHeight: 3, fusedActivation: Activation.RELU }, x);
    expect(y).toEqual([9, 5, 100]);
  });
});

describe('ADD and MUL', () => {
  it('ADD broadcasts [4] over [1,2,1,4] and adds exactly when all scales are equal', () => {
    const a = [1, -2, 100, -100, 50, 60, -128, 127];
    const b = [1, 2, 30, -30];
    const y = runOne([{ shape: [1, 2, 1, 4], scale: 1 }, { shape: [4], scale: 1 }, { shape: [1, 2, 1, 4], scale: 1 }], BuiltinOp.ADD, [0, 1], { kind: 'AddOptions', fusedActivation: Activation.NONE, potScaleInt16: false }, a, [[1, b]]);
    expect(y).toEqual(a.map((v, i) => clamp8(v + b[i % 4]!)));
  });
  it('ADD with different scales and zero points, fused RELU', () => {
    // a real = 0.5·(qa − 2), b real = 0.25·(qb + 4), out scale 0.5 zp −10: out = (qa − 2) + (qb + 4)/2 − 10.
    const a = [10, 20, -30, 0];
    const b = [4, -8, 16, 2];
    const y = runOne([{ shape: [4], scale: 0.5, zeroPoint: 2 }, { shape: [4], scale: 0.25, zeroPoint: -4 }, { shape: [4], scale: 0.5, zeroPoint: -10 }], BuiltinOp.ADD, [0, 1], { kind: 'AddOptions', fusedActivation: Activation.RELU, potScaleInt16: false }, a, [[1, b]]);
    expect(y).toEqual(a.map((v, i) => Math.max(-10, clamp8(v - 2 + halfUp((b[i]! + 4) / 2) - 10))));
  });
  it('MUL: scales 0.5 · 0.5 / 0.25 = 1 → the exact product of the offset values', () => {
    const a = [3, -4, 11, 127];
    const b = [5, 6, -12, 2];
    const y = runOne([{ shape: [1, 4], scale: 0.5, zeroPoint: 1 }, { shape: [1, 4], scale: 0.5 }, { shape: [1, 4], scale: 0.25, zeroPoint: 3 }], BuiltinOp.MUL, [0, 1], { kind: 'MulOptions', fusedActivation: Activation.NONE }, a, [[1, b]]);
    expect(y).toEqual(a.map((v, i) => clamp8((v - 1) * b[i]! + 3)));
  });
});

describe('LOGISTIC and QUANTIZE', () => {
  it('int8 LOGISTIC stays within one step of the real sigmoid over the whole input range', () => {
    for (const [scale, zp] of [[0.1, 0], [0.0029268, -103], [0.05, 20]] as const) {
      const x = seq(256, (i) => i - 128);
      const y = runOne([{ shape: [256], scale, zeroPoint: zp }, { shape: [256], scale: 1 / 256, zeroPoint: -128 }], BuiltinOp.LOGISTIC, [0], null, x);
      for (let i = 0; i < 256; i++) {
        const real = 1 / (1 + Math.exp(-scale * (x[i]! - zp)));
        expect(Math.abs(y[i]! - clamp8(Math.round(real * 256) - 128))).toBeLessThanOrEqual(1);
      }
      // Monotone, and exactly −128 / 127 far out.
      for (let i = 1; i < 256; i++) expect(y[i]!).toBeGreaterThanOrEqual(y[i - 1]!);
    }
  });
  it('QUANTIZE int8 (1/256, −128) → uint8 (1/256, 0) is the sign flip', () => {
    const x = seq(256, (i) => i - 128);
    const y = runOne([{ shape: [256], scale: 1 / 256, zeroPoint: -128 }, { type: TensorType.UINT8, shape: [256], scale: 1 / 256, zeroPoint: 0 }], BuiltinOp.QUANTIZE, [0], null, x);
    expect(y).toEqual(seq(256, (i) => i));
  });
  it('QUANTIZE int8 → uint8 with a scale change requantizes and clamps', () => {
    const x = [-128, -1, 0, 1, 3, 127];
    const y = runOne([{ shape: [6], scale: 0.5, zeroPoint: 0 }, { type: TensorType.UINT8, shape: [6], scale: 1, zeroPoint: 10 }], BuiltinOp.QUANTIZE, [0], null, x);
    expect(y).toEqual(x.map((v) => Math.max(0, Math.min(255, halfUp(v / 2) + 10))));
  });
});

describe('CONCATENATION and SPLIT_V', () => {
  it('concatenates along a middle axis and splits back', () => {
    const a = seq(8, (i) => i); // [2,2,2]
    const b = seq(4, (i) => 100 + i); // [2,1,2]
    const y = runOne([{ shape: [2, 2, 2], scale: 1 }, { shape: [2, 1, 2], scale: 1 }, { shape: [2, 3, 2], scale: 1 }], BuiltinOp.CONCATENATION, [0, 1], { kind: 'ConcatenationOptions', axis: -2, fusedActivation: Activation.NONE }, a, [[1, b]]);
    expect(y).toEqual([0, 1, 2, 3, 100, 101, 4, 5, 6, 7, 102, 103]);
    const model = buildModel({
      tensors: [
        { shape: [2, 3, 2], scale: 1 },
        { type: TensorType.INT32, shape: [2], data: [2, -1] },
        { type: TensorType.INT32, shape: [], data: [1] },
        { shape: [2, 2, 2], scale: 1 },
        { shape: [2, 1, 2], scale: 1 },
      ],
      ops: [{ op: BuiltinOp.SPLIT_V, inputs: [0, 1, 2], outputs: [3, 4], options: { kind: 'SplitVOptions', numSplits: 2 } }],
      inputs: [0],
      outputs: [3],
    });
    const g = new MicroGraph(model, 'test');
    g.tensors[0]![0]!.data.set(y);
    g.invoke();
    expect(Array.from(g.tensors[0]![3]!.data)).toEqual(a);
    expect(Array.from(g.tensors[0]![4]!.data)).toEqual(b);
  });
});

describe('PAD and PACK', () => {
  it('PAD fills with the output zero point', () => {
    const y = runOne(
      [{ shape: [1, 2, 2], scale: 1, zeroPoint: -5 }, { type: TensorType.INT32, shape: [3, 2], data: [0, 0, 1, 0, 0, 1] }, { shape: [1, 3, 3], scale: 1, zeroPoint: -5 }],
      BuiltinOp.PAD,
      [0, 1],
      null,
      [1, 2, 3, 4],
    );
    expect(y).toEqual([-5, -5, -5, 1, 2, -5, 3, 4, -5]);
  });
  it('PACK stacks on a new axis', () => {
    const y = runOne([{ shape: [2, 2], scale: 1 }, { shape: [2, 2], scale: 1 }, { shape: [2, 2, 2], scale: 1 }], BuiltinOp.PACK, [0, 1], { kind: 'PackOptions', valuesCount: 2, axis: 1 }, [1, 2, 3, 4], [[1, [5, 6, 7, 8]]]);
    expect(y).toEqual([1, 2, 5, 6, 3, 4, 7, 8]);
  });
});

describe('DEPTHWISE_CONV_2D with a 2×2 window (taps not in one column)', () => {
  it('matches the reference loop', () => {
    const [H, W, C, K] = [3, 3, 2, 2];
    const x = seq(H * W * C, (i) => ((i * 23) % 45) - 22);
    const w = seq(K * K * C, (i) => ((i * 19) % 29) - 14);
    const y = runOne(
      [
        { shape: [1, H, W, C], scale: 0.5, zeroPoint: 4 },
        { shape: [1, K, K, C], scale: [1, 1], quantizedDimension: 3, data: w },
        { type: TensorType.INT32, shape: [C], scale: 0.5, data: [3, -3] },
        { shape: [1, 2, 2, C], scale: 1, zeroPoint: 0 },
      ],
      BuiltinOp.DEPTHWISE_CONV_2D,
      [0, 1, 2],
      { kind: 'DepthwiseConv2DOptions', padding: Padding.VALID, strideW: 1, strideH: 1, depthMultiplier: 1, fusedActivation: Activation.NONE, dilationW: 1, dilationH: 1 },
      x,
    );
    const expected: number[] = [];
    for (let oy = 0; oy < 2; oy++)
      for (let ox = 0; ox < 2; ox++)
        for (let c = 0; c < C; c++) {
          let acc = c === 0 ? 3 : -3;
          for (let fy = 0; fy < K; fy++) for (let fx = 0; fx < K; fx++) acc += w[(fy * K + fx) * C + c]! * (x[((oy + fy) * W + ox + fx) * C + c]! - 4);
          expected.push(clamp8(halfUp(acc / 2)));
        }
    expect(y).toEqual(expected);
  });
});
