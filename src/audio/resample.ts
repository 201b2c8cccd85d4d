/**
 * Sample-rate conversion by band-limited interpolation: a Kaiser-windowed sinc low-pass evaluated as a
 * polyphase filter bank. For rates fromRate → toRate with g = gcd, the output runs at L = toRate/g phases per
 * M = fromRate/g input samples; output n sits at input time n·M/L, and its value is the input convolved with
 * the filter shifted by that fractional position. The cutoff is placed just below the lower of the two Nyquist
 * frequencies (ROLLOFF), so downsampling (44.1 kHz → 16 kHz) removes everything above ~7.4 kHz instead of
 * aliasing it into the band the wake-word features use. Each phase's taps are normalised to sum to 1, so a
 * constant signal passes unchanged.
 */

/** Zero crossings of the sinc on each side: sets the filter length and the steepness of the transition band. */
const ZERO_CROSSINGS = 16;
/** Cutoff as a fraction of the lower Nyquist frequency. */
const ROLLOFF = 0.92;
/** Kaiser window shape: about 90 dB stop-band attenuation. */
const KAISER_BETA = 8.6;
/** Above this many phases (unusual rate pairs) taps are computed per output sample instead of tabulated. */
const MAX_TABLE_PHASES = 4096;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges quickly for β ≤ 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

export interface ResamplerDesign {
  fromRate: number;
  toRate: number;
  /** Output phases per input period (toRate / gcd). */
  up: number;
  /** Input samples per output period (fromRate / gcd). */
  down: number;
  /** Cutoff in cycles per input sample. */
  cutoff: number;
  /** Taps on each side of the output position. */
  halfTaps: number;
}

export function designResampler(fromRate: number, toRate: number): ResamplerDesign {
  if (!(Number.isInteger(fromRate) && Number.isInteger(toRate) && fromRate > 0 && toRate > 0)) {
    throw new RangeError(`sample rates must be positive integers (got ${fromRate} → ${toRate})`);
  }
  const g = gcd(fromRate, toRate);
  const up = toRate / g;
  const down = fromRate / g;
  const cutoff = 0.5 * Math.min(1, up / down) * ROLLOFF;
  const halfWidth = ZERO_CROSSINGS / (2 * cutoff);
  return { fromRate, toRate, up, down, cutoff, halfTaps: Math.ceil(halfWidth) };
}

/** Taps for the output whose position is `frac` (0 ≤ frac < 1) input samples after input index `base`. */
function phaseTaps(d: ResamplerDesign, frac: number, out: Float64Array): void {
  const K = d.halfTaps;
  const halfWidth = ZERO_CROSSINGS / (2 * d.cutoff);
  const i0beta = besselI0(KAISER_BETA);
  let sum = 0;
  for (let j = -K + 1; j <= K; j++) {
    const t = frac - j; // distance from input sample base+j to the output position, in input samples
    let h = 0;
    if (Math.abs(t) < halfWidth) {
      const x = 2 * d.cutoff * t;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const r = t / halfWidth;
      h = 2 * d.cutoff * sinc * (besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0beta);
    }
    out[j + K - 1] = h;
    sum += h;
  }
  if (sum !== 0) for (let k = 0; k < out.length; k++) out[k]! /= sum;
}

/** Resample `input` (any scale) from fromRate to toRate; returns floor(len·toRate/fromRate) samples. */
export function resample(input: Float64Array, fromRate: number, toRate: number): Float64Array {
  if (fromRate === toRate) return Float64Array.from(input);
  const d = designResampler(fromRate, toRate);
  const { up, down, halfTaps: K } = d;
  const width = 2 * K;
  const outLen = Math.floor((input.length * up) / down);
  const out = new Float64Array(outLen);

  const tabulate = up <= MAX_TABLE_PHASES;
  const table = tabulate ? new Float64Array(up * width) : new Float64Array(0);
  if (tabulate) {
    const taps = new Float64Array(width);
    for (let p = 0; p < up; p++) {
      phaseTaps(d, p / up, taps);
      table.set(taps, p * width);
    }
  }
  const scratch = new Float64Array(width);
  const len = input.length;
  for (let n = 0; n < outLen; n++) {
    const pos = n * down; // output position in units of 1/up input samples
    const base = Math.floor(pos / up);
    const phase = pos - base * up;
    let taps: Float64Array;
    let off: number;
    if (tabulate) {
      taps = table;
      off = phase * width;
    } else {
      phaseTaps(d, phase / up, scratch);
      taps = scratch;
      off = 0;
    }
    let acc = 0;
    const first = base - K + 1;
    const kStart = first < 0 ? -first : 0;
    const kEnd = first + width > len ? len - first : width;
    for (let k = kStart; k < kEnd; k++) acc += input[first + k]! * taps[off + k]!;
    out[n] = acc;
  }
  return out;
}
