import {
  DEFAULT_FEATURE_STEP_MS,
  MIN_SLICES_BEFORE_DETECTION,
  type EsphomeRule,
  exceedsCutoff2024,
  exceedsCutoff2025,
  quantizeCutoff,
  windowAverageF32,
} from './rules.js';

/**
 * ESPHome's micro_wake_word decision loop as a stateful object fed one feature slice at a time — the single
 * implementation of both rules. `simulate()` replays a whole clip through it; the HIL virtual board feeds it
 * live, inference by inference, as the device does.
 *
 * The device works slice by slice (one 40-value feature slice per `feature_step_size` ms): every slice is
 * copied into the model input, and when `stride` slices are in, the model is invoked and its uint8 output
 * enters a ring of `window` recent probabilities. The decision is then made per slice with a hold-off
 * counter of MIN_SLICES_BEFORE_DETECTION slices. The two ESPHome generations differ in:
 *
 * 2024.11 (micro_wake_word.cpp `update_model_probabilities_` / `detect_wake_words_`):
 *   - one global counter, advanced on every slice (`ignore = min(ignore + 1, 0)`) before the check;
 *   - the check runs on every slice while `ignore >= 0`, with the float32 average `sum / (255·window)`
 *     compared against the float cutoff, so a detection can fire on the slice where the hold-off ends;
 *   - a detection resets every model's window to zeros and the counter to −74 (`reset_states_`);
 *   - VAD (streaming_model.cpp `VADModel::determine_detected`): `max(window) > cutoff`, where max is the raw
 *     uint8 and cutoff the float from the manifest — as on the device, any non-zero VAD output in the
 *     window passes a cutoff below 1.
 *
 * 2025+ (streaming_model.cpp `perform_streaming_inference` / `determine_detected`):
 *   - one counter per model, advanced on a slice only while the newest probability is below the uint8
 *     cutoff (the "cool-off": a detection cannot re-arm while the model still fires);
 *   - the check runs only when a new probability arrived since the last evaluated check; a check skipped
 *     by the hold-off leaves the probability "unprocessed", so it is evaluated on the slice where the
 *     hold-off ends;
 *   - detected when `sum > cutoff_u8 · window` (integers); a detection resets that model's window and
 *     counter only;
 *   - VAD: `sum > cutoff_u8 · window` over the VAD's own window, evaluated on every slice.
 */

/** A VAD model's decision settings (its outputs are fed slice by slice alongside the wake word's). */
export interface VadSettings {
  /** The VAD manifest's probability_cutoff (float 0–1). */
  cutoff: number;
  /** The VAD manifest's sliding_window_size. */
  window: number;
  /** Feature slices per VAD invoke. */
  stride: number;
}

export interface DetectorOptions {
  /** probability_cutoff (float 0–1) as written in the manifest. */
  cutoff: number;
  /** sliding_window_size. */
  window: number;
  esphome: EsphomeRule;
  /** Feature slices per invoke (the model input's dim 1); 3 for the official models. */
  stride?: number;
  /** feature_step_size in ms (timestamps only). */
  featureStepMs?: number;
  vad?: VadSettings;
}

export interface Detection {
  /** 1-based count of feature slices processed when the detection fired. */
  slice: number;
  /** 0-based index of the newest invoke whose output was in the window. */
  invokeIndex: number;
  /** slice × feature step: audio time consumed by the frontend steps so far (see detectionTimeConvention). */
  timeSeconds: number;
  /** Sum of the window's uint8 probabilities and its average (sum / (255·window)). */
  windowSum: number;
  average: number;
  /** The newest probability in the window (0–1). */
  probability: number;
}

export interface VadBlock {
  slice: number;
  invokeIndex: number;
  timeSeconds: number;
  average: number;
}

/** What one slice decided: a detection, or a detection the VAD window did not allow (once per invoke). */
export type SliceOutcome = { detection: Detection; vadBlocked?: undefined } | { detection?: undefined; vadBlocked: VadBlock };

class Ring {
  readonly values: Uint8Array;
  last = 0;
  sum = 0;
  constructor(size: number) {
    this.values = new Uint8Array(size);
  }
  /** ESPHome pre-increments the index, then stores. */
  push(p: number): void {
    this.last = (this.last + 1) % this.values.length;
    this.sum += p - this.values[this.last]!;
    this.values[this.last] = p;
  }
  newest(): number {
    return this.values[this.last]!;
  }
  max(): number {
    let m = 0;
    for (const v of this.values) if (v > m) m = v;
    return m;
  }
  clear(): void {
    this.values.fill(0);
    this.sum = 0;
  }
}

function checkOptions(o: DetectorOptions): void {
  if (!(o.cutoff >= 0 && o.cutoff <= 1)) throw new RangeError(`cutoff must be within 0–1, got ${o.cutoff}`);
  if (!Number.isInteger(o.window) || o.window < 1) throw new RangeError(`window must be a positive integer, got ${o.window}`);
  const stride = o.stride ?? 3;
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`stride must be a positive integer, got ${stride}`);
  if (o.vad && (!Number.isInteger(o.vad.window) || o.vad.window < 1 || !Number.isInteger(o.vad.stride) || o.vad.stride < 1)) {
    throw new RangeError('VAD window and stride must be positive integers');
  }
}

export class StreamingDetector {
  readonly esphome: EsphomeRule;
  readonly cutoff: number;
  /** The uint8 cutoff the 2025 rule compares (2024.11 compares the float; see quantizeCutoff). */
  readonly cutoffU8: number;
  readonly window: number;
  readonly stride: number;
  /** Feature slices fed so far. */
  slices = 0;
  /** 0-based index of the newest invoke fed (−1 before the first). */
  invoke = -1;
  /** The largest sliding-window average held right after an invoke (before a reset at that slice). */
  maxAverage = 0;
  /** The largest uint8 output fed. */
  maxProbabilityU8 = 0;

  private readonly is2024: boolean;
  private readonly stepMs: number;
  private readonly ring: Ring;
  private readonly vad?: VadSettings & { ring: Ring; cutoffU8: number };
  private ignore = -MIN_SLICES_BEFORE_DETECTION;
  /** 2025+: a new probability arrived since the last evaluated check. */
  private unprocessed = false;
  private lastBlockedInvoke: number | undefined;

  constructor(opts: DetectorOptions) {
    checkOptions(opts);
    this.esphome = opts.esphome;
    this.is2024 = opts.esphome === '2024.11';
    this.cutoff = opts.cutoff;
    this.cutoffU8 = quantizeCutoff(opts.cutoff);
    this.window = opts.window;
    this.stride = opts.stride ?? 3;
    this.stepMs = opts.featureStepMs ?? DEFAULT_FEATURE_STEP_MS;
    this.ring = new Ring(opts.window);
    if (opts.vad) {
      const { cutoff, window, stride } = opts.vad;
      this.vad = { cutoff, window, stride, ring: new Ring(window), cutoffU8: quantizeCutoff(cutoff) };
    }
  }

  /**
   * One feature slice through the decision loop. `probability` is the model's uint8 output when this slice
   * completed an invoke (only on every `stride`-th slice; none when the audio ended before that invoke), and
   * `vadProbability` likewise for the VAD. Returns what the slice decided, or undefined.
   */
  slice(probability?: number, vadProbability?: number): SliceOutcome | undefined {
    const slice = ++this.slices;
    if (probability !== undefined && slice % this.stride !== 0) {
      throw new RangeError(`slice ${slice}: a model output arrives only on a slice that completes an invoke (every ${this.stride} slices, its stride)`);
    }
    if (vadProbability !== undefined && (!this.vad || slice % this.vad.stride !== 0)) {
      throw new RangeError(`slice ${slice}: ${this.vad ? `a VAD output arrives only on a slice that completes a VAD invoke (every ${this.vad.stride} slices)` : 'a VAD output, but no VAD was configured'}`);
    }
    const ring = this.ring;
    if (this.is2024) this.ignore = Math.min(this.ignore + 1, 0);

    if (probability !== undefined) {
      this.invoke++;
      ring.push(probability);
      this.unprocessed = true;
      if (probability > this.maxProbabilityU8) this.maxProbabilityU8 = probability;
      const avg = ring.sum / (255 * this.window);
      if (avg > this.maxAverage) this.maxAverage = avg;
    }
    if (vadProbability !== undefined) this.vad!.ring.push(vadProbability);

    if (!this.is2024 && ring.newest() < this.cutoffU8) this.ignore = Math.min(this.ignore + 1, 0);

    if (this.ignore < 0) return undefined;
    let fires: boolean;
    if (this.is2024) {
      fires = exceedsCutoff2024(ring.sum, this.window, this.cutoff);
    } else {
      if (!this.unprocessed) return undefined;
      this.unprocessed = false;
      fires = exceedsCutoff2025(ring.sum, this.window, this.cutoffU8);
    }
    if (!fires) return undefined;

    const average = this.is2024 ? windowAverageF32(ring.sum, this.window) : ring.sum / (255 * this.window);
    const timeSeconds = Math.round(slice * this.stepMs) / 1000;
    if (!this.vadAllows()) {
      if (this.lastBlockedInvoke === this.invoke) return undefined;
      this.lastBlockedInvoke = this.invoke;
      return { vadBlocked: { slice, invokeIndex: this.invoke, timeSeconds, average } };
    }
    const detection: Detection = { slice, invokeIndex: this.invoke, timeSeconds, windowSum: ring.sum, average, probability: ring.newest() / 255 };
    ring.clear();
    this.ignore = -MIN_SLICES_BEFORE_DETECTION;
    if (this.is2024) this.vad?.ring.clear(); // reset_states_ clears the VAD window too; 2025 resets only the firing model
    return { detection };
  }

  private vadAllows(): boolean {
    const vad = this.vad;
    if (!vad) return true;
    if (this.is2024) return vad.ring.max() > Math.fround(vad.cutoff);
    return exceedsCutoff2025(vad.ring.sum, vad.window, vad.cutoffU8);
  }
}
