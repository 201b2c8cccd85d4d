import { describe, expect, it } from 'vitest';
import {
  MIN_SLICES_BEFORE_DETECTION,
  detect,
  parseEsphomeRule,
  quantizeCutoff,
  simulate,
  slidingAverages,
  windowAverageF32,
} from '../../src/detect/index.js';

/** Build a per-invoke probability stream from [value, count] runs. */
function runs(...parts: [number, number][]): Uint8Array {
  const out: number[] = [];
  for (const [v, n] of parts) for (let i = 0; i < n; i++) out.push(v);
  return Uint8Array.from(out);
}

describe('rule arithmetic (contract doc values)', () => {
  it('quantizes the cutoff by truncation, as int(cutoff*255)', () => {
    expect(quantizeCutoff(0.97)).toBe(247);
    expect(quantizeCutoff(0.5)).toBe(127);
    expect(quantizeCutoff(0.9)).toBe(229);
    expect(quantizeCutoff(1)).toBe(255);
    expect(quantizeCutoff(0)).toBe(0);
  });
  it('computes the 2024.11 average in float32', () => {
    expect(windowAverageF32(1236, 5)).toBe(Math.fround(1236 / 1275));
    expect(MIN_SLICES_BEFORE_DETECTION).toBe(74);
  });
  it('parses --esphome values', () => {
    expect(parseEsphomeRule('2024.11')).toBe('2024.11');
    expect(parseEsphomeRule('2025')).toBe('2025');
    expect(parseEsphomeRule('2025.8.0')).toBe('2025');
    expect(parseEsphomeRule('2023.1')).toBeUndefined();
    expect(parseEsphomeRule('latest')).toBeUndefined();
  });
});

describe('2024.11 rule', () => {
  const base = { cutoff: 0.5, window: 5, esphome: '2024.11' as const, stride: 3 };

  it('holds off 74 slices, then may fire on a slice that is not an invoke', () => {
    // Constant 255: the window is full long before the hold-off ends; slice 74 is the first allowed,
    // and 74 is not a multiple of 3 (the last invoke was #23 at slice 72).
    const d = detect(runs([255, 60]), base);
    expect(d.map((x) => x.slice)).toEqual([74, 148]);
    expect(d.map((x) => x.invokeIndex)).toEqual([23, 48]);
    expect(d[0]!.timeSeconds).toBeCloseTo(0.74, 10);
    expect(d[0]!.windowSum).toBe(1275);
  });

  it('resets the window to zeros and the counter after a detection', () => {
    // zeros 30 invokes, 255 × 30, zeros 30, 255 × 30 (hand-traced, see comments in the 2025 case)
    const p = runs([0, 30], [255, 30], [0, 30], [255, 30]);
    // invoke 32 (slice 99): sum 765/1275 = 0.6 > 0.5; next allowed slice 173 (window full of 255);
    // next allowed 247 (window zeros by then); then invoke 92 (slice 279) reaches 765 again; the last one
    // is 74 slices later (353 ≤ 360 slices, window full of 255).
    expect(detect(p, base).map((x) => x.slice)).toEqual([99, 173, 279, 353]);
  });

  it('compares the float average with the float cutoff (no quantization)', () => {
    // sum 1236: 1236/1275 = 0.9694 is not > 0.97 on 2024.11, but 1236 > 247·5 = 1235 on 2025.
    const p = runs([0, 25], [247, 4], [248, 1], [0, 10]);
    expect(detect(p, { ...base, cutoff: 0.97 })).toEqual([]);
    expect(detect(p, { ...base, cutoff: 0.97, esphome: '2025' }).map((x) => x.invokeIndex)).toEqual([29]);
  });

  it('VAD: max(window) as raw uint8 against the float cutoff, as the 2024.11 source does', () => {
    const p = runs([0, 30], [255, 10]);
    const silentVad = { probabilities: runs([0, 40]), cutoff: 0.5, window: 5, stride: 3 };
    const faintVad = { probabilities: runs([1, 40]), cutoff: 0.5, window: 5, stride: 3 };
    const s = simulate(p, { ...base, vad: silentVad });
    expect(s.detections).toEqual([]);
    expect(s.vadBlocked.length).toBeGreaterThan(0);
    expect(s.vadBlocked[0]!.invokeIndex).toBe(32);
    expect(detect(p, { ...base, vad: faintVad }).map((x) => x.slice)).toEqual([99]);
  });
});

describe('2025 rule', () => {
  const base = { cutoff: 0.5, window: 5, esphome: '2025' as const, stride: 3 };

  it('never arms while the model fires from the start (cool-off counts only below the cutoff)', () => {
    // slices 1–2 advance the counter (newest 0); from slice 3 on the newest is 255 ≥ 127: stuck at −72.
    expect(detect(runs([255, 200]), base)).toEqual([]);
  });

  it('fires on sum > cutoff_u8·window, then cools off until the output drops', () => {
    const p = runs([0, 30], [255, 30], [0, 30], [255, 30]);
    // invoke 32 (slice 99): 765 > 635. Reset at 99 → slices 100–101 advance (−72), then 255s freeze it.
    // Zeros from invoke 60 (slice 183): 72 more slices → armed at slice 254. 255s from invoke 90: invoke 92
    // (slice 279) reaches 765.
    const d = detect(p, base);
    expect(d.map((x) => x.slice)).toEqual([99, 279]);
    expect(d.map((x) => x.invokeIndex)).toEqual([32, 92]);
    expect(d[0]!.windowSum).toBe(765);
  });

  it('evaluates a probability held back by the hold-off on the slice the hold-off ends', () => {
    // stride 10, window 2, cutoff 127. Invokes 0–5 are 0 (slices 10–60): the counter reaches −5 at slice 69.
    // Invoke 6 = 255 (slice 70) freezes it for slices 70–79. Invoke 7 = 100 (slice 80) is below the cutoff:
    // −4 … 0 at slice 84, where the pending window [255, 100] = 355 > 254 is evaluated and fires.
    const p = runs([0, 6], [255, 1], [100, 1], [0, 4]);
    const d = detect(p, { ...base, window: 2, stride: 10 });
    expect(d.map((x) => [x.slice, x.invokeIndex])).toEqual([[84, 7]]);
    // 2024.11 is armed at slice 74 (window [0, 255] = 0.5, not > 0.5) and fires at invoke 7 itself (slice 80).
    const old = detect(p, { ...base, window: 2, stride: 10, esphome: '2024.11' });
    expect(old.map((x) => [x.slice, x.invokeIndex])).toEqual([[80, 7]]);
  });

  it('VAD gates with its own window (sum > cutoff_u8·window)', () => {
    const p = runs([0, 30], [255, 10]);
    const vadLow = { probabilities: runs([127, 40]), cutoff: 0.5, window: 5, stride: 3 }; // 635 is not > 635
    const vadHigh = { probabilities: runs([128, 40]), cutoff: 0.5, window: 5, stride: 3 }; // 640 > 635
    expect(detect(p, { ...base, vad: vadLow })).toEqual([]);
    expect(detect(p, { ...base, vad: vadHigh }).map((x) => x.invokeIndex)).toEqual([32]);
  });
});

describe('summaries', () => {
  it('reports max probability and max window average', () => {
    const s = simulate(runs([0, 3], [51, 1], [102, 1], [0, 5]), { cutoff: 0.97, window: 5, esphome: '2025' });
    expect(s.maxProbability).toBeCloseTo(0.4, 10);
    expect(s.maxAverage).toBeCloseTo(153 / 1275, 10);
    expect(s.cutoffU8).toBe(247);
  });
  it('computes plain sliding averages with zeros before the start', () => {
    expect(Array.from(slidingAverages(Uint8Array.from([255, 255, 0]), 2))).toEqual([0.5, 1, 0.5]);
  });
  it('rejects impossible options', () => {
    expect(() => detect(new Uint8Array(3), { cutoff: 1.5, window: 5, esphome: '2025' })).toThrow(/cutoff/);
    expect(() => detect(new Uint8Array(3), { cutoff: 0.5, window: 0, esphome: '2025' })).toThrow(/window/);
  });
});
