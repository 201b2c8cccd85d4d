/**
 * The arena calculator against the reference figures measured with esp-tflite-micro 1.3.3.1
 * (../shared/golden/arena.json) and the decomposition in ../shared/docs/arena.md.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { readModelFile } from '../../src/tflite/file.js';
import type { TfliteModel } from '../../src/tflite/model.js';
import {
  arenaAt,
  computeArena,
  recommendedArena,
  RECOMMENDED_MARGIN,
  SUPPORTED_TARGETS,
  variableArena,
  type ArenaTarget,
  type EspNnVersion,
} from '../../src/micro/arena/index.js';

interface GoldenEntry {
  min_arena: number;
  arena_used_bytes_at_min: number;
  requested_at_manifest?: number;
  available_at_manifest?: number;
}
interface GoldenModel {
  manifest_tensor_arena_size: number;
  esp32: GoldenEntry;
  esp32s3: Record<string, GoldenEntry>;
}

const MODELS = ['okay_nabu', 'hey_jarvis', 'vad'] as const;

describeShared('arena: golden arena.json', () => {
  let golden: Record<string, GoldenModel>;
  const models = new Map<string, TfliteModel>();
  beforeAll(async () => {
    golden = JSON.parse(readFileSync(sharedPath('golden', 'arena.json'), 'utf8')).models;
    for (const m of MODELS) models.set(m, (await readModelFile(sharedPath('models', `${m}.tflite`))).model);
  });

  const cases: { model: string; target: ArenaTarget; key: string }[] = [];
  for (const m of MODELS) {
    cases.push({ model: m, target: { chip: 'esp32', espNn: '1.1.2' }, key: 'esp32' });
    for (const v of ['1.1.2', '1.2.1', '1.2.3'] as EspNnVersion[]) cases.push({ model: m, target: { chip: 'esp32s3', espNn: v }, key: `esp-nn ${v}` });
  }
  const entry = (c: (typeof cases)[number]): GoldenEntry =>
    c.target.chip === 'esp32' ? golden[c.model]!.esp32 : golden[c.model]!.esp32s3[c.key]!;

  it('covers every model and target arena.json lists', () => {
    expect(Object.keys(golden).sort()).toEqual([...MODELS].sort());
    for (const m of MODELS) expect(Object.keys(golden[m]!.esp32s3).sort(), m).toEqual(['esp-nn 1.1.2', 'esp-nn 1.2.1', 'esp-nn 1.2.3']);
  });

  for (const c of cases) {
    it(`${c.model} on ${c.target.chip} ${c.target.chip === 'esp32s3' ? c.key : ''}: minimum and arena_used_bytes`, () => {
      const r = computeArena(models.get(c.model)!, c.target);
      expect(r.min).toBe(entry(c).min_arena);
      expect(r.arenaUsedBytes).toBe(entry(c).arena_used_bytes_at_min);
      // the minimum is exact: one byte less fails
      expect(arenaAt(models.get(c.model)!, c.target, r.min).ok).toBe(true);
      expect(arenaAt(models.get(c.model)!, c.target, r.min - 1).ok).toBe(false);
    });
    it(`${c.model} on ${c.target.chip} ${c.target.chip === 'esp32s3' ? c.key : ''}: at the manifest arena`, () => {
      const e = entry(c);
      const at = arenaAt(models.get(c.model)!, c.target, golden[c.model]!.manifest_tensor_arena_size);
      if (e.requested_at_manifest !== undefined) {
        expect(at.ok).toBe(false);
        expect(at.requested).toBe(e.requested_at_manifest);
        expect(at.available).toBe(e.available_at_manifest);
        expect(at.message).toBe(
          `Failed to resize buffer. Requested: ${e.requested_at_manifest}, available ${e.available_at_manifest}, missing: ${e.requested_at_manifest - e.available_at_manifest!}`,
        );
      } else {
        expect(at.ok).toBe(true);
        expect(at.requested).toBeLessThanOrEqual(at.available);
      }
    });
  }

  it('matches the measured decomposition of arena.md (persistent before planning = manifest − available, heads)', () => {
    const s3 = (v: EspNnVersion): ArenaTarget => ({ chip: 'esp32s3', espNn: v });
    const nabu = models.get('okay_nabu')!;
    expect(computeArena(nabu, s3('1.2.1')).persistentBeforePlanning).toBe(14204);
    // hey_jarvis (22860) and vad (16772) manifests are not multiples of 16: the split is taken at those arenas
    expect(22860 - arenaAt(models.get('hey_jarvis')!, s3('1.2.1'), 22860).available).toBe(11984);
    expect(16772 - arenaAt(models.get('vad')!, s3('1.2.1'), 16772).available).toBe(7376);
    expect(computeArena(nabu, s3('1.1.2')).head).toBe(11472);
    expect(computeArena(nabu, s3('1.2.1')).head).toBe(19440);
    // ESP32: no scratch; the planner's temporary working memory, not the head, sets the minimum
    const e32 = computeArena(nabu, { chip: 'esp32', espNn: '1.1.2' });
    expect(e32.perOpScratch).toEqual([]);
    expect(e32.limitedBy).toBe('planner');
  });

  it('reproduces the per-op ESP32-S3 scratch table of arena.md for okay_nabu and hey_jarvis', () => {
    const scratch = (m: string, v: EspNnVersion): number[] =>
      computeArena(models.get(m)!, { chip: 'esp32s3', espNn: v }).perOpScratch.map((s) => s.bytes);
    // okay_nabu op order: CONV(first), DW 5, CONV 1×1 32→64, DW 7, DW 11, CONV 1×1 64, DW 9, DW 15, CONV 1×1 64, DW 23, CONV 1×1 64
    expect(scratch('okay_nabu', '1.1.2')).toEqual([7840, 32, 2080, 32, 32, 4128, 32, 32, 4128, 32, 4128]);
    expect(scratch('okay_nabu', '1.2.1')).toEqual([15800, 672, 2080, 928, 1440, 4128, 1184, 1952, 4128, 5920, 4128]);
    expect(scratch('okay_nabu', '1.2.3')).toEqual([15832, 672, 2112, 928, 1440, 4160, 1184, 1952, 4160, 5920, 4160]);
    const jarvis = scratch('hey_jarvis', '1.2.1');
    expect(jarvis[0]).toBe(14832);
    expect(jarvis).toContain(1072);
    expect(jarvis).toContain(3152);
    expect(jarvis).toContain(4176);
    expect(jarvis).toContain(6224);
    expect(scratch('hey_jarvis', '1.1.2')[0]).toBe(7352);
    expect(scratch('hey_jarvis', '1.2.3')[0]).toBe(14864);
  });

  it('recommends the minimum rounded up to 16 plus the stated margin; max over targets without a target', () => {
    const nabu = models.get('okay_nabu')!;
    const one = recommendedArena(nabu, { chip: 'esp32s3', espNn: '1.1.2' });
    expect(one.value).toBe(Math.ceil(25796 / 16) * 16 + RECOMMENDED_MARGIN);
    expect(one.margin).toBe(RECOMMENDED_MARGIN);
    expect(one.min).toBe(25796);
    const all = recommendedArena(nabu);
    expect(all.target).toBe('max-over-targets');
    expect(all.min).toBe(33796);
    expect(all.value).toBe(Math.ceil(33796 / 16) * 16 + RECOMMENDED_MARGIN);
    for (const t of SUPPORTED_TARGETS) expect(arenaAt(nabu, t, all.value).ok).toBe(true);
  });

  it('counts resource variables and their buffers; ESPHome\'s variable arena fits', () => {
    const v = variableArena(models.get('okay_nabu')!);
    expect(v.count).toBe(6);
    expect(v.stateBytes).toBe(80 + 128 + 640 + 896 + 1408 + 320);
    expect(v.fits).toBe(true);
    expect(v.bytes).toBeLessThanOrEqual(1024);
    expect(variableArena(models.get('vad')!).count).toBe(4);
  });
});

describeShared('arena: every other shared model and the golden variants compute', () => {
  const files = [
    ['models', 'alexa.tflite'],
    ['models', 'hey_mycroft.tflite'],
    ['models', 'choo_choo_homie.tflite'],
    ['models', 'hey_home_assistant.tflite'],
    ['models', 'hey_peppa_pig.tflite'],
    ['models', 'okay_computer.tflite'],
    ['golden', 'variants', 'resid', 'golden.tflite'],
    ['golden', 'variants', 'spatial', 'golden.tflite'],
    ['golden', 'fixture_okay_nabu_v2', 'golden.tflite'],
  ];
  for (const f of files) {
    it(f.join('/'), async () => {
      const { model } = await readModelFile(sharedPath(...f));
      const mins = SUPPORTED_TARGETS.map((t) => computeArena(model, t).min);
      // esp32 has no scratch, and newer esp-nn versions only ever request more
      expect(mins[0]).toBeLessThanOrEqual(mins[1]!);
      expect(mins[1]).toBeLessThanOrEqual(mins[2]!);
      expect(mins[2]).toBeLessThanOrEqual(mins[3]!);
      for (const [i, t] of SUPPORTED_TARGETS.entries()) {
        expect(arenaAt(model, t, mins[i]!).ok).toBe(true);
        expect(arenaAt(model, t, mins[i]! - 1).ok).toBe(false);
      }
    });
  }
});
