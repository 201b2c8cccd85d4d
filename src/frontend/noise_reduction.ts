import { type FrontendConfig } from './config.js';

/** Fixed-point bits of the smoothing coefficients (`kNoiseReductionBits`). */
export const NOISE_REDUCTION_BITS = 14;

/**
 * Stationary-noise subtraction (TFLM noise_reduction.c): a per-channel low-pass noise estimate (even and odd
 * channels smooth differently) is subtracted, keeping at least `min_signal_remaining` of the signal.
 * uint32/uint64 arithmetic: every intermediate stays below 2^53, so doubles with floor are exact.
 */
export class NoiseReductionStage {
  readonly smoothingBits: number;
  readonly evenSmoothing: number;
  readonly oddSmoothing: number;
  readonly minSignalRemaining: number;
  /** Noise estimate per channel (uint32); PCAN reads it after this stage ran. */
  readonly estimate: Float64Array;

  constructor(config: FrontendConfig) {
    const nr = config.noiseReduction;
    const scale = 1 << NOISE_REDUCTION_BITS;
    const f = Math.fround;
    // float config value × int → float, truncated into uint16 state.
    this.smoothingBits = nr.smoothingBits;
    this.evenSmoothing = Math.trunc(f(f(nr.evenSmoothing) * scale));
    this.oddSmoothing = Math.trunc(f(f(nr.oddSmoothing) * scale));
    this.minSignalRemaining = Math.trunc(f(f(nr.minSignalRemaining) * scale));
    this.estimate = new Float64Array(config.filterbank.numChannels);
  }

  apply(signal: Float64Array): void {
    const est = this.estimate;
    const bits = this.smoothingBits;
    const scale = 1 << NOISE_REDUCTION_BITS;
    const minRemain = this.minSignalRemaining;
    for (let i = 0; i < signal.length; i++) {
      const smoothing = (i & 1) === 0 ? this.evenSmoothing : this.oddSmoothing;
      const s = signal[i]!;
      const scaledUp = (s << bits) >>> 0;
      let e = Math.floor((scaledUp * smoothing + est[i]! * (scale - smoothing)) / scale);
      est[i] = e;
      if (e > scaledUp) e = scaledUp;
      const floor = Math.floor((s * minRemain) / scale);
      const subtracted = (scaledUp - e) >>> bits;
      signal[i] = subtracted > floor ? subtracted : floor;
    }
  }

  reset(): void {
    this.estimate.fill(0);
  }
}
