/**
 * Weight layout changes and batch-norm folding, in float32 the way TensorFlow computes them:
 * tf.nn.batch_normalization (Keras 3's TF backend) builds inv = rsqrt(variance + eps) · gamma and
 * offset = beta − mean · inv (the `batchnorm/sub` in TF's tensor names); the converter constant-folds those with
 * TF's CPU kernels and multiplies inv into the preceding 1×1 convolution's filter, channel by channel.
 * The rsqrt is TF's fast-math one (src/convert/float/rsqrt.ts), not the correctly rounded value.
 */
import { tfRsqrt } from '../float/rsqrt.js';

const f32 = Math.fround;
export const BN_EPSILON = 1e-3;

/** Keras Conv2D kernel (kh, kw, cin, cout) → TFLite CONV_2D filter [cout, kh, kw, cin]. */
export function convKernelToOhwi(k: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * kh + y) * kw + x) * cin + i] = k[((y * kw + x) * cin + i) * cout + o]!;
  return out;
}

/** Keras DepthwiseConv2D kernel (kh, kw, c, 1) is already [1, kh, kw, c] in memory order. */
export function depthwiseKernel(k: Float32Array): Float32Array {
  return Float32Array.from(k);
}

/** Keras Dense kernel (in, out) → TFLite FULLY_CONNECTED weights [out, in]. */
export function denseKernel(k: Float32Array, nIn: number, nOut: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let i = 0; i < nIn; i++) for (let o = 0; o < nOut; o++) out[o * nIn + i] = k[i * nOut + o]!;
  return out;
}

export interface BatchNorm {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
}

/**
 * The per-channel batch-norm multiplier and offset exactly as TF's constant folding produces them:
 * inv = Rsqrt(variance + eps) · gamma (Rsqrt evaluated over the whole [C] vector, whose position decides
 * the packet or scalar path), offset = beta − mean · inv.
 */
export function batchNormAffine(bn: BatchNorm): { inv: Float32Array; offset: Float32Array } {
  const n = bn.variance.length;
  const eps = f32(BN_EPSILON);
  const sum = new Float32Array(n);
  for (let o = 0; o < n; o++) sum[o] = f32(bn.variance[o]! + eps);
  const inv = tfRsqrt(sum);
  const offset = new Float32Array(n);
  for (let o = 0; o < n; o++) {
    inv[o] = f32(inv[o]! * bn.gamma[o]!);
    offset[o] = f32(bn.beta[o]! - f32(bn.mean[o]! * inv[o]!));
  }
  return { inv, offset };
}

/** Fold BN into an OHWI filter without bias: returns the scaled filter and the new bias. */
export function foldBatchNorm(ohwi: Float32Array, cout: number, bn: BatchNorm): { filter: Float32Array; bias: Float32Array } {
  const per = ohwi.length / cout;
  const filter = new Float32Array(ohwi.length);
  const { inv, offset } = batchNormAffine(bn);
  for (let o = 0; o < cout; o++) {
    const m = inv[o]!;
    for (let j = 0; j < per; j++) filter[o * per + j] = f32(ohwi[o * per + j]! * m);
  }
  return { filter, bias: offset };
}
