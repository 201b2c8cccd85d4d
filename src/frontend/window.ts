import { type FrontendConfig } from './config.js';

/** Fixed-point bits of the window coefficients (`kFrontendWindowBits`). */
export const WINDOW_BITS = 12;

/**
 * Hann window coefficients in Q12, computed as `WindowPopulateState` does: in C `float` (each operation
 * rounded to float32), using cosf, then floorf(v·4096 + 0.5f).
 */
export function hannCoefficients(size: number): Int16Array {
  const f = Math.fround;
  const arg = f(f(f(Math.PI) * 2) / f(size));
  const out = new Int16Array(size);
  for (let i = 0; i < size; i++) {
    const c = f(Math.cos(f(arg * f(i + 0.5))));
    const v = f(0.5 - f(0.5 * c));
    out[i] = Math.floor(f(f(v * (1 << WINDOW_BITS)) + 0.5));
  }
  return out;
}

/** Sliding window of `size` samples advancing by `step` (TFLM window.c). */
export class WindowStage {
  readonly size: number;
  readonly step: number;
  readonly coefficients: Int16Array;
  /** Windowed samples of the last full window. */
  readonly output: Int16Array;
  /** Largest |output| of the last window (int16 semantics: -32768 never counts). */
  maxAbsOutput = 0;
  private readonly input: Int16Array;
  private inputUsed = 0;

  constructor(config: FrontendConfig) {
    this.size = Math.trunc((config.window.sizeMs * config.sampleRate) / 1000);
    this.step = Math.trunc((config.window.stepSizeMs * config.sampleRate) / 1000);
    this.coefficients = hannCoefficients(this.size);
    this.input = new Int16Array(this.size);
    this.output = new Int16Array(this.size);
  }

  /** Free room in the input buffer: how many samples the next call reads at most. */
  get room(): number {
    return this.size - this.inputUsed;
  }

  /**
   * Append samples (at most `room`); when the window is full, apply it, shift by one step and return true.
   */
  process(samples: Int16Array): boolean {
    const n = samples.length;
    this.input.set(samples, this.inputUsed);
    this.inputUsed += n;
    if (this.inputUsed < this.size) return false;

    const input = this.input;
    const coef = this.coefficients;
    const out = this.output;
    const size = this.size;
    let maxAbs = 0;
    for (let i = 0; i < size; i++) {
      // Coefficients are ≤ 4096 (Q12 of ≤ 1.0), so int16 · coef >> 12 always fits int16: no wrap needed.
      const v = (input[i]! * coef[i]!) >> WINDOW_BITS;
      out[i] = v;
      const a = v < 0 ? -v : v;
      // In C, -(-32768) stays -32768 as int16 and never becomes the maximum.
      if (a > maxAbs && a !== 32768) maxAbs = a;
    }
    this.input.copyWithin(0, this.step, this.size);
    this.inputUsed -= this.step;
    this.maxAbsOutput = maxAbs;
    return true;
  }

  reset(): void {
    this.input.fill(0);
    this.output.fill(0);
    this.inputUsed = 0;
    this.maxAbsOutput = 0;
  }
}
