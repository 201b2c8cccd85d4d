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
 * A host replay of ESPHome's micro_wake_word decision loop over a model's per-invoke uint8 outputs.
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
 *
 * What a host replay cannot show: on 2024.11 a detection stops the microphone and unloads the models, so
 * the model state restarts when listening resumes; here the probabilities come from one continuous run
 * (what `runStreaming` computes) and only the decision state is reset.
 */

export interface VadStream {
  /** The VAD model's per-invoke uint8 outputs over the same features. */
  probabilities: Uint8Array;
  /** The VAD manifest's probability_cutoff (float 0–1). */
  cutoff: number;
  /** The VAD manifest's sliding_window_size. */
  window: number;
  /** Feature slices per VAD invoke. */
  stride: number;
}

export interface DetectOptions {
  /** probability_cutoff (float 0–1) as written in the manifest. */
  cutoff: number;
  /** sliding_window_size. */
  window: number;
  esphome: EsphomeRule;
  /** Feature slices per invoke (the model input's dim 1); 3 for the official models. */
  stride?: number;
  /** feature_step_size in ms (timestamps only). */
  featureStepMs?: number;
  vad?: VadStream;
  /** Slices fed in total; default: every invoke's slices (probabilities.length × stride). */
  totalSlices?: number;
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

export interface Simulation {
  esphome: EsphomeRule;
  cutoff: number;
  /** 2025+: the uint8 cutoff actually compared; 2024.11: null (float comparison). */
  cutoffU8: number | null;
  window: number;
  stride: number;
  detections: Detection[];
  /** Times the wake word model fired but the VAD window did not allow it. */
  vadBlocked: VadBlock[];
  /** The largest sliding-window average the device held right after an invoke (before a reset at that slice). */
  maxAverage: number;
  maxProbability: number;
}

export const DETECTION_TIME_CONVENTION =
  'timeSeconds = feature slices processed when the detection fired × feature step (10 ms); slice n covers audio up to n×10 ms + 20 ms (30 ms window)';

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

function checkOptions(o: DetectOptions): void {
  if (!(o.cutoff >= 0 && o.cutoff <= 1)) throw new RangeError(`cutoff must be within 0–1, got ${o.cutoff}`);
  if (!Number.isInteger(o.window) || o.window < 1) throw new RangeError(`window must be a positive integer, got ${o.window}`);
  const stride = o.stride ?? 3;
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`stride must be a positive integer, got ${stride}`);
  if (o.vad && (!Number.isInteger(o.vad.window) || o.vad.window < 1 || !Number.isInteger(o.vad.stride) || o.vad.stride < 1)) {
    throw new RangeError('VAD window and stride must be positive integers');
  }
}

export function simulate(probabilities: Uint8Array, opts: DetectOptions): Simulation {
  checkOptions(opts);
  const stride = opts.stride ?? 3;
  const stepMs = opts.featureStepMs ?? DEFAULT_FEATURE_STEP_MS;
  const totalSlices = opts.totalSlices ?? probabilities.length * stride;
  const cutoffU8 = quantizeCutoff(opts.cutoff);
  const is2024 = opts.esphome === '2024.11';

  const ww = new Ring(opts.window);
  const vad = opts.vad ? { ...opts.vad, ring: new Ring(opts.vad.window), cutoffU8: quantizeCutoff(opts.vad.cutoff) } : undefined;

  const detections: Detection[] = [];
  const vadBlocked: VadBlock[] = [];
  let maxAverage = 0;
  let maxProbability = 0;

  let ignore = -MIN_SLICES_BEFORE_DETECTION;
  let unprocessed = false; // 2025+: a new probability arrived since the last evaluated check
  let invoke = -1;

  const vadAllows = (): boolean => {
    if (!vad) return true;
    if (is2024) return vad.ring.max() > Math.fround(vad.cutoff);
    return exceedsCutoff2025(vad.ring.sum, vad.window, vad.cutoffU8);
  };
  const time = (slice: number): number => Math.round(slice * stepMs) / 1000;

  for (let slice = 1; slice <= totalSlices; slice++) {
    if (is2024) ignore = Math.min(ignore + 1, 0);

    if (slice % stride === 0 && invoke + 1 < probabilities.length) {
      invoke++;
      const p = probabilities[invoke]!;
      ww.push(p);
      unprocessed = true;
      if (p > maxProbability) maxProbability = p;
      const avg = ww.sum / (255 * opts.window);
      if (avg > maxAverage) maxAverage = avg;
    }
    if (vad && slice % vad.stride === 0) {
      const vi = slice / vad.stride - 1;
      if (vi < vad.probabilities.length) vad.ring.push(vad.probabilities[vi]!);
    }

    if (!is2024 && ww.newest() < cutoffU8) ignore = Math.min(ignore + 1, 0);

    if (ignore < 0) continue;
    let fires: boolean;
    if (is2024) {
      fires = exceedsCutoff2024(ww.sum, opts.window, opts.cutoff);
    } else {
      if (!unprocessed) continue;
      unprocessed = false;
      fires = exceedsCutoff2025(ww.sum, opts.window, cutoffU8);
    }
    if (!fires) continue;

    const average = is2024 ? windowAverageF32(ww.sum, opts.window) : ww.sum / (255 * opts.window);
    if (!vadAllows()) {
      if (vadBlocked.at(-1)?.invokeIndex !== invoke) vadBlocked.push({ slice, invokeIndex: invoke, timeSeconds: time(slice), average });
      continue;
    }
    detections.push({ slice, invokeIndex: invoke, timeSeconds: time(slice), windowSum: ww.sum, average, probability: ww.newest() / 255 });
    ww.clear();
    ignore = -MIN_SLICES_BEFORE_DETECTION;
    if (is2024) vad?.ring.clear(); // reset_states_ clears the VAD window too; 2025 resets only the firing model
  }

  return { esphome: opts.esphome, cutoff: opts.cutoff, cutoffU8: is2024 ? null : cutoffU8, window: opts.window, stride, detections, vadBlocked, maxAverage, maxProbability: maxProbability / 255 };
}

/** The detections ESPHome would report for these per-invoke outputs. */
export function detect(probabilities: Uint8Array, opts: DetectOptions): Detection[] {
  return simulate(probabilities, opts).detections;
}

/** Plain sliding-window averages (no resets), for plots: entry i = mean of outputs i−window+1 … i, zeros before the start. */
export function slidingAverages(probabilities: ArrayLike<number>, window: number): Float64Array {
  const out = new Float64Array(probabilities.length);
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) {
    sum += probabilities[i]!;
    if (i >= window) sum -= probabilities[i - window]!;
    out[i] = sum / (255 * window);
  }
  return out;
}
