import { describe, expect, it } from 'vitest';
import { chooseCutoff, sweepCutoffs, type ScoredClip, type SweepPoint } from '../../src/detect/evaluate.js';

function clip(name: string, values: number[], durationSeconds: number): ScoredClip {
  const probabilities = Uint8Array.from(values);
  return { path: name, probabilities, slices: probabilities.length * 3, durationSeconds };
}
const pad = (n: number) => new Array(n).fill(0);

describe('sweepCutoffs (2025 rule, window 1, stride 3)', () => {
  // After 30 zero invokes (90 slices) the hold-off is over; a single invoke of value v then fires at every
  // cutoff c with v > trunc(255·c).
  const positives = [clip('p1', [...pad(30), 200, ...pad(30)], 1), clip('p2', [...pad(30), 100, ...pad(30)], 1)];
  const negatives = [clip('n1', [...pad(30), 60, ...pad(30)], 1800), clip('n2', [...pad(30), 150, ...pad(30)], 1800)];
  const pts = sweepCutoffs(positives, negatives, { window: 1, stride: 3, esphome: '2025', cutoffs: [0.2, 0.3, 0.5, 0.7, 0.9] });

  it('counts rejected positives and false accepts per hour of negatives', () => {
    // cutoff 0.2 → 51: all four fire. 0.3 → 76: 60 does not. 0.5 → 127: p2 (100) rejected, n2 (150) fires.
    // 0.7 → 178: only p1. 0.9 → 229: nothing.
    expect(pts.map((p) => [p.cutoff, p.rejectedPositives, p.falseAccepts])).toEqual([
      [0.2, 0, 2],
      [0.3, 0, 1],
      [0.5, 1, 1],
      [0.7, 1, 0],
      [0.9, 2, 0],
    ]);
    expect(pts.map((p) => p.falseRejectionRate)).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(pts.map((p) => p.falseAcceptsPerHour)).toEqual([2, 1, 1, 0, 0]); // one hour of negatives in total
  });

  it('chooses the lowest FRR within the target, preferring the higher cutoff on ties', () => {
    expect(chooseCutoff(pts, 1)).toEqual({ point: pts[1], met: true });
    expect(chooseCutoff(pts, 0)).toEqual({ point: pts[3], met: true });
    expect(chooseCutoff(pts, 5).point.cutoff).toBe(0.3);
  });

  it('falls back to the fewest false accepts when the target cannot be met', () => {
    const all: SweepPoint[] = [
      { cutoff: 0.5, falseRejectionRate: 0, falseAcceptsPerHour: 4, rejectedPositives: 0, falseAccepts: 4 },
      { cutoff: 0.9, falseRejectionRate: 0.2, falseAcceptsPerHour: 2, rejectedPositives: 1, falseAccepts: 2 },
    ];
    expect(chooseCutoff(all, 1)).toEqual({ point: all[1], met: false });
  });
});
