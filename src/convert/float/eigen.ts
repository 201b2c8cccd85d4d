/**
 * Float32 arithmetic of the Eigen routines TensorFlow's calibrator reaches through TFLite's float kernels.
 *
 * TensorFlow's x86 wheel is compiled for AVX without FMA, so Eigen works on 8-float packets and its
 * `pmadd(a, b, c)` is a rounded multiply followed by a rounded add. Every helper here rounds exactly there
 * (Math.fround after each product and each sum); the golden calibration ranges of the fixture and both
 * variants (golden/.../calibrated_float.tflite) are reproduced bit for bit with them.
 */

const f32 = Math.fround;

/** Eigen's `predux` of an AVX Packet8f: the two 128-bit halves added, then SSE's movehl/shuffle reduction. */
export function predux8(a: Float32Array, o: number): number {
  const h0 = f32(a[o]! + a[o + 4]!);
  const h1 = f32(a[o + 1]! + a[o + 5]!);
  const h2 = f32(a[o + 2]! + a[o + 6]!);
  const h3 = f32(a[o + 3]! + a[o + 7]!);
  return f32(f32(h0 + h2) + f32(h1 + h3));
}

/**
 * Eigen's dense dot product (InnerProduct.h: four 8-lane accumulators). Packets 0–3 start the accumulators
 * with their products; each later group of four packets is added lane-wise into accumulators 0–3, leftover
 * whole packets into accumulators 0, 1, 2; then acc2 += acc3, acc1 += acc2, acc0 += acc1, predux, and the
 * elements past the last whole packet are added one by one. `acc` is 32 floats of scratch.
 */
export function eigenDot(x: Float32Array, xo: number, w: Float32Array, wo: number, n: number, acc: Float32Array): number {
  if (n < 8) {
    if (n === 0) return 0;
    let s = f32(x[xo]! * w[wo]!);
    for (let k = 1; k < n; k++) s = f32(s + f32(x[xo + k]! * w[wo + k]!));
    return s;
  }
  const packetEnd = n - (n % 8);
  const quadEnd = n - (n % 32);
  const packets = packetEnd / 8;
  const first = Math.min(32, packetEnd);
  // A Float32Array store rounds like Math.fround, so `acc[i] = acc[i] + product` is the rounded add.
  for (let k = 0; k < first; k++) acc[k] = x[xo + k]! * w[wo + k]!;
  if (packets >= 4) {
    for (let k = 32; k < quadEnd; k++) acc[k & 31] = acc[k & 31]! + f32(x[xo + k]! * w[wo + k]!);
    for (let k = quadEnd; k < packetEnd; k++) acc[k - quadEnd] = acc[k - quadEnd]! + f32(x[xo + k]! * w[wo + k]!);
    for (let l = 0; l < 8; l++) acc[16 + l] = acc[16 + l]! + acc[24 + l]!;
  }
  if (packets >= 3) for (let l = 0; l < 8; l++) acc[8 + l] = acc[8 + l]! + acc[16 + l]!;
  if (packets >= 2) for (let l = 0; l < 8; l++) acc[l] = acc[l]! + acc[8 + l]!;
  let s = predux8(acc, 0);
  for (let k = packetEnd; k < n; k++) s = f32(s + f32(x[xo + k]! * w[wo + k]!));
  return s;
}

const LOG2E = f32(1.44269504088896341);
const EXP_C1 = f32(-0.693359375);
const EXP_C2 = f32(2.1219444e-4);
const P2 = f32(0.49999141693115234375);
const P3 = f32(0.16666877269744873046875);
const P4 = f32(4.1898667812347412109375e-2);
const P5 = f32(8.33471305668354034423828125e-3);
const EXP_HI = f32(16.6355324);

/** Rounded multiply then rounded add: Eigen's pmadd without FMA. */
function madd(a: number, b: number, c: number): number {
  return f32(f32(a * b) + c);
}

/**
 * Eigen's packet `scalar_logistic_op<float>` (TFLite's optimized LOGISTIC): exp(x) / (1 + exp(x)) with exp
 * from a Cephes-style range reduction of x/2, a degree-5 polynomial and a final squaring. It is up to a few
 * ulps away from the correctly rounded logistic, and TensorFlow's recorded ranges carry exactly those ulps.
 */
export function eigenLogistic(xIn: number): number {
  if (xIn < -104) return 0;
  const x = f32(Math.min(xIn, EXP_HI) * 0.5);
  const m = Math.floor(madd(x, LOG2E, 0.5));
  let r = madd(m, EXP_C1, x);
  r = madd(m, EXP_C2, r);
  const r2 = f32(r * r);
  const even = madd(r2, P4, P2);
  const odd = madd(r2, P5, P3);
  let p = madd(r, odd, even);
  p = madd(r2, p, f32(r + 1));
  let e = f32(p * 2 ** m);
  e = f32(e * e);
  return f32(e / f32(1 + e));
}
