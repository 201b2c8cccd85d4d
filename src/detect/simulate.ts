import { StreamingDetector, type DetectorOptions, type Detection, type VadBlock, type VadSettings } from './detector.js';
import type { EsphomeRule } from './rules.js';

export type { Detection, VadBlock } from './detector.js';

/**
 * A host replay of ESPHome's micro_wake_word decision loop over a model's per-invoke uint8 outputs: the clip
 * fed slice by slice through StreamingDetector (detector.ts, where both ESPHome rules are described).
 *
 * What a host replay cannot show: on 2024.11 a detection stops the microphone and unloads the models, so
 * the model state restarts when listening resumes; here the probabilities come from one continuous run
 * (what `runStreaming` computes) and only the decision state is reset.
 */

export interface VadStream extends VadSettings {
  /** The VAD model's per-invoke uint8 outputs over the same features. */
  probabilities: Uint8Array;
}

export interface DetectOptions extends DetectorOptions {
  vad?: VadStream;
  /** Slices fed in total; default: every invoke's slices (probabilities.length × stride). */
  totalSlices?: number;
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

export function simulate(probabilities: Uint8Array, opts: DetectOptions): Simulation {
  const detector = new StreamingDetector(opts);
  const { stride } = detector;
  const vad = opts.vad;
  const totalSlices = opts.totalSlices ?? probabilities.length * stride;
  const detections: Detection[] = [];
  const vadBlocked: VadBlock[] = [];
  let invoke = 0;
  let vadInvoke = 0;
  for (let slice = 1; slice <= totalSlices; slice++) {
    // An invoke completes on every stride-th slice, as long as the clip had audio for it.
    const p = slice % stride === 0 && invoke < probabilities.length ? probabilities[invoke++] : undefined;
    const v = vad && slice % vad.stride === 0 && vadInvoke < vad.probabilities.length ? vad.probabilities[vadInvoke++] : undefined;
    const outcome = detector.slice(p, v);
    if (outcome?.detection) detections.push(outcome.detection);
    else if (outcome?.vadBlocked) vadBlocked.push(outcome.vadBlocked);
  }
  return {
    esphome: opts.esphome,
    cutoff: opts.cutoff,
    cutoffU8: opts.esphome === '2024.11' ? null : detector.cutoffU8,
    window: opts.window,
    stride,
    detections,
    vadBlocked,
    maxAverage: detector.maxAverage,
    maxProbability: detector.maxProbabilityU8 / 255,
  };
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
