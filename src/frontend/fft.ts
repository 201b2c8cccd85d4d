/**
 * kissfft's fixed-point (FIXED_POINT 16, int16 scalars) real FFT, as TFLM's microfrontend uses it
 * (`kiss_fftr` over a complex `kiss_fft` of half the size). Every butterfly scales by 1/radix
 * (`C_FIXDIV`), multiplies with Q15 rounding (`sround`) and stores into int16, wrapping like the C
 * assignments do; those exact steps are what make the frontend's output bit-identical.
 *
 * The C recursion (`kf_work`) is replaced by an equivalent iterative schedule: the recursion's leaf copy is
 * an input permutation and each recursion level is a stage of independent butterflies, so running the
 * stages deepest-first over all blocks performs the same integer operations on the same operands.
 */

const SAMP_MAX = 32767;
/** `C_FIXDIV` multipliers: every radix-r butterfly input (and the real-FFT split) is first scaled by 1/r in Q15. */
const DIV2 = (SAMP_MAX / 2) | 0;
const DIV4 = (SAMP_MAX / 4) | 0;
// Every product below is an int16 × int16 (|a·b| < 2^30, sums of two < 2^31): int32 multiplies are exact.
const imul = Math.imul;

/** Wrap to int16, like assigning an int to a C int16_t. */
const s16 = (x: number): number => (x << 16) >> 16;

/** `sround(x)`: Q15 rounding of an int32 product sum, then int16 wrap. */
const sround = (x: number): number => ((x + 16384) >> 15) << 16 >> 16;

/** kissfft's `kf_factor`: powers of 4 first, then 2, then odd primes. Returns [p0, m0, p1, m1, …]. */
export function kissFactors(n: number): number[] {
  const out: number[] = [];
  let p = 4;
  const floorSqrt = Math.floor(Math.sqrt(n));
  do {
    while (n % p) {
      switch (p) {
        case 4:
          p = 2;
          break;
        case 2:
          p = 3;
          break;
        default:
          p += 2;
          break;
      }
      if (p > floorSqrt) p = n;
    }
    n /= p;
    out.push(p, n);
  } while (n > 1);
  return out;
}

/** `kf_cexp` in fixed point: floor(0.5 + 32767·cos/sin(phase)). */
function cexp(phase: number): [number, number] {
  return [Math.floor(0.5 + SAMP_MAX * Math.cos(phase)), Math.floor(0.5 + SAMP_MAX * Math.sin(phase))];
}

interface Stage {
  p: number;
  m: number;
  fstride: number;
}

/** Forward real FFT of `nfft` int16 samples producing nfft/2+1 int16 complex bins. */
export class KissFftrInt16 {
  readonly nfft: number;
  /** Complex size of the inner FFT (nfft / 2). */
  readonly ncfft: number;
  private readonly twRe: Int32Array;
  private readonly twIm: Int32Array;
  private readonly superRe: Int32Array;
  private readonly superIm: Int32Array;
  /** perm[out] = complex input index placed at `out` before the butterflies. */
  private readonly perm: Int32Array;
  /** Stages in execution order (deepest recursion level first). */
  private readonly stages: Stage[];
  // Working buffers hold int16 values; every store below wraps explicitly (s16/sround) like the C stores.
  private readonly re: Int32Array;
  private readonly im: Int32Array;

  constructor(nfft: number) {
    if (nfft & 1 || nfft < 4) throw new RangeError(`kiss_fftr needs an even size ≥ 4, got ${nfft}`);
    this.nfft = nfft;
    const n = nfft >> 1;
    this.ncfft = n;
    this.twRe = new Int32Array(n);
    this.twIm = new Int32Array(n);
    const pi = 3.141592653589793;
    for (let i = 0; i < n; i++) {
      const [r, im] = cexp((-2 * pi * i) / n);
      this.twRe[i] = r;
      this.twIm[i] = im;
    }
    this.superRe = new Int32Array(n >> 1);
    this.superIm = new Int32Array(n >> 1);
    for (let i = 0; i < n >> 1; i++) {
      const [r, im] = cexp(-pi * ((i + 1) / n + 0.5));
      this.superRe[i] = r;
      this.superIm[i] = im;
    }

    const factors = kissFactors(n);
    const levels: Stage[] = [];
    let fstride = 1;
    for (let i = 0; i < factors.length; i += 2) {
      const p = factors[i]!;
      if (p !== 2 && p !== 4) throw new RangeError(`kiss_fftr: size ${nfft} needs radix ${p}; only powers of two are supported`);
      levels.push({ p, m: factors[i + 1]!, fstride });
      fstride *= p;
    }
    this.stages = levels.reverse();

    // Leaf copy of kf_work: simulate the recursion to find which input lands where.
    this.perm = new Int32Array(n);
    const perm = this.perm;
    const walk = (outBase: number, inBase: number, fs: number, level: number): void => {
      const p = factors[2 * level]!;
      const m = factors[2 * level + 1]!;
      if (m === 1) {
        for (let k = 0; k < p; k++) perm[outBase + k] = inBase + k * fs;
      } else {
        for (let k = 0; k < p; k++) walk(outBase + k * m, inBase + k * fs, fs * p, level + 1);
      }
    };
    walk(0, 0, 1, 0);

    this.re = new Int32Array(n);
    this.im = new Int32Array(n);
  }

  /**
   * `FftCompute` + `kiss_fftr`: the input (up to nfft int16 samples, zero-padded to nfft) is scaled as
   * `(int16_t)((uint16_t)x << inputShift)`, transformed, and nfft/2+1 bins are written to outRe/outIm.
   */
  forward(timedata: Int16Array, outRe: Int16Array, outIm: Int16Array, inputShift = 0): void {
    const n = this.ncfft;
    const re = this.re;
    const im = this.im;
    const perm = this.perm;
    const len = timedata.length;
    if (len > this.nfft) throw new RangeError(`FFT input has ${len} samples, more than the FFT size ${this.nfft}`);
    for (let i = 0; i < n; i++) {
      const j = perm[i]! << 1;
      re[i] = j < len ? s16(timedata[j]! << inputShift) : 0;
      im[i] = j + 1 < len ? s16(timedata[j + 1]! << inputShift) : 0;
    }
    for (const st of this.stages) {
      const blockSize = st.p * st.m;
      if (st.p === 4) {
        for (let b = 0; b < n; b += blockSize) this.bfly4(b, st.fstride, st.m);
      } else {
        for (let b = 0; b < n; b += blockSize) this.bfly2(b, st.fstride, st.m);
      }
    }

    // Split the packed complex FFT into the real FFT's bins (kiss_fftr).
    const tdcR = sround(imul(re[0]!, DIV2));
    const tdcI = sround(imul(im[0]!, DIV2));
    outRe[0] = tdcR + tdcI;
    outIm[0] = 0;
    outRe[n] = tdcR - tdcI;
    outIm[n] = 0;
    const superRe = this.superRe;
    const superIm = this.superIm;
    for (let k = 1; k <= n >> 1; k++) {
      const fpkR = sround(imul(re[k]!, DIV2));
      const fpkI = sround(imul(im[k]!, DIV2));
      const fpnkR = sround(imul(re[n - k]!, DIV2));
      const fpnkI = sround(imul(s16(-im[n - k]!), DIV2));
      const f1kR = s16(fpkR + fpnkR);
      const f1kI = s16(fpkI + fpnkI);
      const f2kR = s16(fpkR - fpnkR);
      const f2kI = s16(fpkI - fpnkI);
      const twR = superRe[k - 1]!;
      const twI = superIm[k - 1]!;
      const tR = sround((imul(f2kR, twR) - imul(f2kI, twI)) | 0);
      const tI = sround((imul(f2kR, twI) + imul(f2kI, twR)) | 0);
      outRe[k] = (f1kR + tR) >> 1;
      outIm[k] = (f1kI + tI) >> 1;
      outRe[n - k] = (f1kR - tR) >> 1;
      outIm[n - k] = (tI - f1kI) >> 1;
    }
  }

  /** kf_bfly2 (forward): Fout[k], Fout[k+m] for k < m, each first scaled by 1/2. */
  private bfly2(base: number, fstride: number, m: number): void {
    const re = this.re;
    const im = this.im;
    const twRe = this.twRe;
    const twIm = this.twIm;
    for (let k = 0; k < m; k++) {
      const i0 = base + k;
      const i1 = i0 + m;
      const aR = sround(imul(re[i0]!, DIV2));
      const aI = sround(imul(im[i0]!, DIV2));
      const bR = sround(imul(re[i1]!, DIV2));
      const bI = sround(imul(im[i1]!, DIV2));
      const wR = twRe[k * fstride]!;
      const wI = twIm[k * fstride]!;
      const tR = sround((imul(bR, wR) - imul(bI, wI)) | 0);
      const tI = sround((imul(bR, wI) + imul(bI, wR)) | 0);
      re[i1] = s16(aR - tR);
      im[i1] = s16(aI - tI);
      re[i0] = s16(aR + tR);
      im[i0] = s16(aI + tI);
    }
  }

  /** kf_bfly4 (forward), operand for operand. */
  private bfly4(base: number, fstride: number, m: number): void {
    const re = this.re;
    const im = this.im;
    const twRe = this.twRe;
    const twIm = this.twIm;
    const m2 = 2 * m;
    const m3 = 3 * m;
    for (let k = 0; k < m; k++) {
      const i0 = base + k;
      const i1 = i0 + m;
      const i2 = i0 + m2;
      const i3 = i0 + m3;
      const f0R = sround(imul(re[i0]!, DIV4));
      const f0I = sround(imul(im[i0]!, DIV4));
      const f1R = sround(imul(re[i1]!, DIV4));
      const f1I = sround(imul(im[i1]!, DIV4));
      const f2R = sround(imul(re[i2]!, DIV4));
      const f2I = sround(imul(im[i2]!, DIV4));
      const f3R = sround(imul(re[i3]!, DIV4));
      const f3I = sround(imul(im[i3]!, DIV4));

      const t1 = k * fstride;
      const t2 = 2 * t1;
      const t3 = 3 * t1;
      const w1R = twRe[t1]!, w1I = twIm[t1]!;
      const w2R = twRe[t2]!, w2I = twIm[t2]!;
      const w3R = twRe[t3]!, w3I = twIm[t3]!;
      const s0R = sround((imul(f1R, w1R) - imul(f1I, w1I)) | 0);
      const s0I = sround((imul(f1R, w1I) + imul(f1I, w1R)) | 0);
      const s1R = sround((imul(f2R, w2R) - imul(f2I, w2I)) | 0);
      const s1I = sround((imul(f2R, w2I) + imul(f2I, w2R)) | 0);
      const s2R = sround((imul(f3R, w3R) - imul(f3I, w3I)) | 0);
      const s2I = sround((imul(f3R, w3I) + imul(f3I, w3R)) | 0);

      const s5R = s16(f0R - s1R);
      const s5I = s16(f0I - s1I);
      const g0R = s16(f0R + s1R);
      const g0I = s16(f0I + s1I);
      const s3R = s16(s0R + s2R);
      const s3I = s16(s0I + s2I);
      const s4R = s16(s0R - s2R);
      const s4I = s16(s0I - s2I);
      re[i2] = s16(g0R - s3R);
      im[i2] = s16(g0I - s3I);
      re[i0] = s16(g0R + s3R);
      im[i0] = s16(g0I + s3I);
      re[i1] = s16(s5R + s4I);
      im[i1] = s16(s5I - s4R);
      re[i3] = s16(s5R - s4I);
      im[i3] = s16(s5I + s4R);
    }
  }
}
