/** Pure pieces of the arena calculator: the greedy planner and the ESP-NN scratch formulas (arena.md). */
import { describe, expect, it } from 'vitest';
import { planGreedy } from '../../src/micro/arena/planner.js';
import { convScratchBytes, depthwiseScratchBytes, type ConvGeometry } from '../../src/micro/arena/espnn.js';

describe('greedy memory planner (TFLM GreedyMemoryPlanner)', () => {
  it('plans nothing for no buffers', () => {
    expect(planGreedy([])).toEqual({ offsets: [], peak: 0 });
  });

  it('stacks buffers that are alive together, largest first at offset 0', () => {
    const r = planGreedy([
      { size: 16, firstUsed: 0, lastUsed: 2 },
      { size: 48, firstUsed: 1, lastUsed: 3 },
      { size: 32, firstUsed: 2, lastUsed: 2 },
    ]);
    expect(r.offsets).toEqual([80, 0, 48]);
    expect(r.peak).toBe(96);
  });

  it('reuses space of buffers whose lifetimes do not overlap', () => {
    const r = planGreedy([
      { size: 64, firstUsed: 0, lastUsed: 1 },
      { size: 64, firstUsed: 2, lastUsed: 3 },
      { size: 32, firstUsed: 4, lastUsed: 5 },
    ]);
    expect(r.offsets).toEqual([0, 0, 0]);
    expect(r.peak).toBe(64);
  });

  it('fills the first gap big enough between simultaneously live buffers', () => {
    // A [0,64) lives 0..1, B [64,128) lives 0..5 (placed second), C (32, lives 2..3) fits in A's old place.
    const r = planGreedy([
      { size: 64, firstUsed: 0, lastUsed: 1 },
      { size: 64, firstUsed: 0, lastUsed: 5 },
      { size: 32, firstUsed: 2, lastUsed: 3 },
      { size: 48, firstUsed: 2, lastUsed: 3 },
    ]);
    // sorted: 64(id0), 64(id1), 48(id3), 32(id2) — equal sizes keep their order
    expect(r.offsets[0]).toBe(0);
    expect(r.offsets[1]).toBe(64);
    expect(r.offsets[3]).toBe(0); // 48 fits in the 64-byte gap at 0 (A is dead at 2..3)
    expect(r.offsets[2]).toBe(128); // 32 does not fit in the 16 bytes left before B
    expect(r.peak).toBe(160);
  });

  it('treats lifetimes as inclusive: touching at one scope still overlaps', () => {
    const r = planGreedy([
      { size: 32, firstUsed: 0, lastUsed: 2 },
      { size: 32, firstUsed: 2, lastUsed: 4 },
    ]);
    expect(r.offsets).toEqual([0, 32]);
  });
});

describe('ESP-NN scratch sizes (arena.md)', () => {
  const base: ConvGeometry = { inW: 1, inH: 1, inC: 1, kW: 1, kH: 1, outW: 1, outH: 1, outC: 1, strideW: 1, strideH: 1, padW: 0, padH: 0, depthMultiplier: 1 };
  const firstConv: ConvGeometry = { ...base, inH: 5, inW: 1, inC: 40, kH: 5, kW: 1, strideH: 3, outC: 32 };
  it('okay_nabu first CONV_2D: 7840 / 15800 / 15832; ESP32 none', () => {
    expect(convScratchBytes(firstConv, { chip: 'esp32s3', espNn: '1.1.2' })).toBe(7840);
    expect(convScratchBytes(firstConv, { chip: 'esp32s3', espNn: '1.2.1' })).toBe(15800);
    expect(convScratchBytes(firstConv, { chip: 'esp32s3', espNn: '1.2.3' })).toBe(15832);
    for (const v of ['1.1.2', '1.2.1', '1.2.3'] as const) expect(convScratchBytes(firstConv, { chip: 'esp32', espNn: v })).toBe(0);
  });
  it('1×1 convolutions', () => {
    const pw = { ...base, inC: 32, outC: 64 };
    expect(convScratchBytes(pw, { chip: 'esp32s3', espNn: '1.1.2' })).toBe(2080);
    expect(convScratchBytes(pw, { chip: 'esp32s3', espNn: '1.2.3' })).toBe(2112);
    expect(convScratchBytes({ ...base, inC: 30, outC: 60 }, { chip: 'esp32s3', espNn: '1.2.1' })).toBe(1984);
  });
  it('k×1 depthwise convolutions', () => {
    const dw = (k: number, c: number): ConvGeometry => ({ ...base, inH: k, kH: k, inC: c, outC: c });
    expect(depthwiseScratchBytes(dw(5, 32), { chip: 'esp32s3', espNn: '1.1.2' })).toBe(32);
    expect(depthwiseScratchBytes(dw(5, 32), { chip: 'esp32s3', espNn: '1.2.1' })).toBe(672);
    expect(depthwiseScratchBytes(dw(23, 64), { chip: 'esp32s3', espNn: '1.2.3' })).toBe(5920);
    expect(depthwiseScratchBytes(dw(5, 30), { chip: 'esp32s3', espNn: '1.2.1' })).toBe(1072);
    expect(depthwiseScratchBytes(dw(21, 60), { chip: 'esp32s3', espNn: '1.2.1' })).toBe(6224);
    expect(depthwiseScratchBytes(dw(21, 60), { chip: 'esp32', espNn: '1.2.1' })).toBe(0);
  });
});
