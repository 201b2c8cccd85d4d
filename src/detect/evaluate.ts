import type { EsphomeRule } from './rules.js';
import { simulate } from './simulate.js';

/**
 * Cutoff tuning over scored clips: for every candidate cutoff, replay ESPHome's decision rule on each clip.
 * A positive clip counts as accepted when it yields at least one detection (false rejection otherwise);
 * every detection in a negative clip is a false accept, normalised per hour of negative audio.
 */

export interface ScoredClip {
  path: string;
  probabilities: Uint8Array;
  slices: number;
  durationSeconds: number;
  vadProbabilities?: Uint8Array;
}

export interface SweepOptions {
  window: number;
  stride: number;
  esphome: EsphomeRule;
  featureStepMs?: number;
  vad?: { cutoff: number; window: number; stride: number };
  /** Candidate cutoffs; default 0.00, 0.01, …, 1.00. */
  cutoffs?: number[];
}

export interface SweepPoint {
  cutoff: number;
  falseRejectionRate: number;
  falseAcceptsPerHour: number;
  rejectedPositives: number;
  falseAccepts: number;
}

export const DEFAULT_CUTOFFS: number[] = Array.from({ length: 101 }, (_, i) => i / 100);
export const DEFAULT_TARGET_FA_PER_HOUR = 0.5;

function detectionsIn(clip: ScoredClip, cutoff: number, o: SweepOptions): number {
  return simulate(clip.probabilities, {
    cutoff,
    window: o.window,
    esphome: o.esphome,
    stride: o.stride,
    featureStepMs: o.featureStepMs,
    totalSlices: clip.slices,
    vad: o.vad && clip.vadProbabilities ? { ...o.vad, probabilities: clip.vadProbabilities } : undefined,
  }).detections.length;
}

export function sweepCutoffs(positives: ScoredClip[], negatives: ScoredClip[], o: SweepOptions): SweepPoint[] {
  const negativeHours = negatives.reduce((s, c) => s + c.durationSeconds, 0) / 3600;
  return (o.cutoffs ?? DEFAULT_CUTOFFS).map((cutoff) => {
    let rejected = 0;
    for (const c of positives) if (detectionsIn(c, cutoff, o) === 0) rejected++;
    let fa = 0;
    for (const c of negatives) fa += detectionsIn(c, cutoff, o);
    return {
      cutoff,
      falseRejectionRate: positives.length ? rejected / positives.length : 0,
      falseAcceptsPerHour: negativeHours > 0 ? fa / negativeHours : 0,
      rejectedPositives: rejected,
      falseAccepts: fa,
    };
  });
}

/**
 * The cutoff to put in the manifest: among cutoffs meeting the false-accept target, the one with the lowest
 * false rejection rate, and of those the highest cutoff (same recall, more margin against false accepts).
 * When none meets the target, the cutoff with the fewest false accepts (then lowest FRR) is returned with
 * `met: false`.
 */
export function chooseCutoff(points: SweepPoint[], targetFaPerHour: number): { point: SweepPoint; met: boolean } {
  if (points.length === 0) throw new RangeError('no cutoffs to choose from');
  const meeting = points.filter((p) => p.falseAcceptsPerHour <= targetFaPerHour);
  if (meeting.length) {
    const best = meeting.reduce((a, b) => (b.falseRejectionRate < a.falseRejectionRate || (b.falseRejectionRate === a.falseRejectionRate && b.cutoff > a.cutoff) ? b : a));
    return { point: best, met: true };
  }
  const best = points.reduce((a, b) =>
    b.falseAcceptsPerHour < a.falseAcceptsPerHour || (b.falseAcceptsPerHour === a.falseAcceptsPerHour && b.falseRejectionRate < a.falseRejectionRate) ? b : a,
  );
  return { point: best, met: false };
}
