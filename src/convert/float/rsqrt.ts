/**
 * Reciprocal square root exactly as TensorFlow's CPU `Rsqrt` kernel computes it when the converter
 * constant-folds batch normalization's `rsqrt(variance + epsilon)` (x86-64 pip build: AVX, no FMA, Eigen with
 * EIGEN_FAST_MATH).
 *
 * Why this matters: the folded value multiplies every weight of the preceding 1×1 convolution, so a 1-ulp
 * difference in it changes float weights, per-channel scales and occasionally an int32 bias.
 *
 * What TF does (Eigen's TensorExecutor, `EvalRange` with PacketSize 8 for AVX Packet8f):
 *  - elements [0, floor(n/8)·8) go through the packet path `prsqrt<Packet8f>`: the hardware estimate
 *    `_mm256_rsqrt_ps` refined by `generic_rsqrt_newton_step<Packet8f, 1>`:
 *        r2 = a·x;  half_r = x·(−0.5);  h = r2·x + (−1);  y = half_r·h + x   (pmadd = mul then add, no FMA)
 *    and y is replaced by the estimate when it is NaN;
 *  - the remaining n mod 8 elements go through the scalar path `rsqrt_impl<float>`: 1 / sqrt(a) in float
 *    (sqrt rounded to float, then the division rounded to float).
 *
 * Verified against ../shared/golden: the folded weights and biases of every batch-normalized convolution in
 * fixture_okay_nabu_v2, variants/resid and variants/spatial (960 channels) are bit-identical to
 * calibrated_float.tflite with this model and differ on 289 channels with the correctly rounded rsqrt.
 */

const f32 = Math.fround;

/**
 * RSQRTPS estimate table, indexed by (exponent parity, top 10 mantissa bits). On Intel CPUs the estimate depends
 * only on those 11 bits: for the input interval [x0, x1) of width 2^-10 (times 2^parity) it is 1/sqrt of the
 * interval's midpoint rounded to nearest with 12 fractional mantissa bits (the documented |rel err| ≤ 1.5·2^-12).
 * Checked exhaustively against `_mm256_rsqrt_ps` on an Intel Xeon (all 2^24 inputs in [1, 4); exponent scaling
 * sampled over every normal exponent).
 */
const ESTIMATE = buildEstimateTable();

function buildEstimateTable(): Float32Array {
  const t = new Float32Array(2048);
  for (let parity = 0; parity < 2; parity++) {
    for (let top = 0; top < 1024; top++) {
      const mid = (1 + (top + 0.5) / 1024) * (parity ? 2 : 1);
      // mid ∈ (1, 4) so 1/sqrt(mid) ∈ (0.5, 1): the float exponent is −1 and 12 fractional bits are steps of 2^-13.
      t[parity * 1024 + top] = Math.round(8192 / Math.sqrt(mid)) / 8192;
    }
  }
  return t;
}

const bitsView = new DataView(new ArrayBuffer(4));

/** Intel `RSQRTPS`/`_mm256_rsqrt_ps` on one float32 value. */
export function rsqrtEstimate(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === Infinity) return 0;
  bitsView.setFloat32(0, x, true);
  const u = bitsView.getUint32(0, true);
  const biased = (u >>> 23) & 0xff;
  // Zero and denormals (treated as zero by the instruction) give +infinity.
  if (biased === 0) return Infinity;
  const e = biased - 127;
  const parity = e & 1; // also right for negative e (two's complement)
  const base = ESTIMATE[parity * 1024 + ((u & 0x7fffff) >>> 13)]!;
  // x = 2^(e−parity) · m·2^parity, so 1/sqrt(x) = 2^(−(e−parity)/2) · 1/sqrt(m·2^parity); exact scaling.
  return base * 2 ** (-(e - parity) / 2);
}

/** Eigen's `prsqrt<Packet8f>` lane: the estimate plus one Newton–Raphson step, each operation rounded to float32. */
export function rsqrtPacketLane(a: number): number {
  const x = rsqrtEstimate(a);
  const r2 = f32(a * x);
  const halfR = f32(x * -0.5);
  const h = f32(f32(r2 * x) + -1);
  const y = f32(f32(halfR * h) + x);
  return Number.isNaN(y) ? x : y;
}

/** Eigen's scalar `rsqrt_impl<float>`: T(1) / sqrt(x) in float32. */
export function rsqrtScalar(a: number): number {
  return f32(1 / f32(Math.sqrt(a)));
}

/** Number of leading elements TF evaluates with 8-wide AVX packets; the rest take the scalar path. */
export const PACKET_SIZE = 8;

/** TensorFlow's Rsqrt over a float32 vector, element for element as its CPU kernel produces it. */
export function tfRsqrt(values: Float32Array): Float32Array {
  const n = values.length;
  const out = new Float32Array(n);
  const vectorized = n - (n % PACKET_SIZE);
  for (let i = 0; i < vectorized; i++) out[i] = rsqrtPacketLane(values[i]!);
  for (let i = vectorized; i < n; i++) out[i] = rsqrtScalar(values[i]!);
  return out;
}
