import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { VirtualClock } from '../../src/serial/clock.js';
import { createVirtualBoard } from '../../src/serial/sim/index.js';
import { buildBootArea, buildTestApp } from '../../src/serial/images/index.js';
import { chipById } from '../../src/serial/chips/index.js';
import { flashRegions } from '../../src/serial/flash.js';
import { BootLogReader } from '../../src/serial/verify.js';
import { MwwError } from '../../src/errors.js';
import { images, identityFor, isErased, type FixtureModel } from './fixtures.js';

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

async function flashAndVerify(o: { chip: 'esp32' | 'esp32s3'; data: Uint8Array; offset: number; models: FixtureModel[]; espNn?: '1.1.2' | '1.2.1' | '1.2.3'; preload?: boolean }) {
  const clock = new VirtualClock();
  const spec = chipById(o.chip);
  const { board, link } = createVirtualBoard({ chip: o.chip, clock, espNn: o.espNn, initialFlash: o.preload ? [{ offset: 0, data: buildBootArea(spec) }] : [] });
  await link.open();
  let reader: BootLogReader | null = null;
  const expected = { chip: o.chip, models: o.models.map((m) => ({ file: m.id, sha256: identityFor(o.chip, [m]).models[0]!.sha256 })) };
  const result = await flashRegions(link, [{ offset: o.offset, data: o.data, name: 'fw.bin' }], {
    clock,
    baud: 921600,
    onRestart: () => (reader = new BootLogReader(link, { clock, expected })),
  });
  const report = await (reader as unknown as BootLogReader).result();
  return { board, result, report, flashed: board.flash.subarray(o.offset, o.offset + o.data.length) };
}

describeShared('flash + verify against the virtual board', () => {
  const okayNabu = (arena = 26080): FixtureModel => ({ id: 'okay_nabu', wakeWord: 'Okay Nabu', bytes: readFileSync(sharedPath('models', 'okay_nabu.tflite')), arena });
  const vad = (): FixtureModel => ({ id: 'vad', wakeWord: 'vad', bytes: readFileSync(sharedPath('models', 'vad.tflite')), arena: 22860 });

  for (const chip of ['esp32', 'esp32s3'] as const) {
    it(`${chip}: factory image at 0x0 — written, MD5-verified, booted, models loaded`, async () => {
      const models = [okayNabu(), vad()];
      const { factory } = images(chip, models);
      const { result, report, flashed, board } = await flashAndVerify({ chip, data: factory, offset: 0, models });
      expect(result.chip).toBe(chip);
      expect(result.restart).toBe('hard-reset');
      expect(same(flashed, factory)).toBe(true);
      expect(board.boots.app).toBeGreaterThanOrEqual(1);
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.esphomeVersion).toBe('2025.11.0');
      expect(report.models.map((m) => [m.id, m.loaded, m.hashMatches])).toEqual([
        ['okay_nabu', true, true],
        ['vad', true, true],
      ]);
    });
    it(`${chip}: app image at 0x10000 on a board that has a bootloader and partition table`, async () => {
      const models = [okayNabu()];
      const { app } = images(chip, models);
      const { report, flashed } = await flashAndVerify({ chip, data: app, offset: 0x10000, models, preload: true });
      expect(same(flashed, app)).toBe(true);
      expect(report.ok).toBe(true);
    });
  }

  it('too-small arena: okay_nabu with 26080 on esp32s3 / esp-nn 1.2.1 → requested 19440, available 11876 (golden/arena.json)', async () => {
    const golden = JSON.parse(readFileSync(sharedPath('golden', 'arena.json'), 'utf8')).models.okay_nabu.esp32s3['esp-nn 1.2.1'];
    const models = [okayNabu(26080)];
    const { factory } = images('esp32s3', models);
    const { report } = await flashAndVerify({ chip: 'esp32s3', data: factory, offset: 0, models, espNn: '1.2.1' });
    expect(report.ok).toBe(false);
    expect(report.models[0]).toMatchObject({ loaded: false, requested: golden.requested_at_manifest, available: golden.available_at_manifest });
    expect(report.problems.join('; ')).toContain('arena too small: requested 19440, available 11876');
  });

  it('the same model loads on esp32 (min 18660 ≤ 26080)', async () => {
    expect(JSON.parse(readFileSync(sharedPath('golden', 'arena.json'), 'utf8')).models.okay_nabu.esp32.min_arena).toBeLessThanOrEqual(26080);
    const models = [okayNabu(26080)];
    const { factory } = images('esp32', models);
    const { report } = await flashAndVerify({ chip: 'esp32', data: factory, offset: 0, models });
    expect(report.ok).toBe(true);
  });
});

describe('flasher checks and reset paths (virtual board)', () => {
  const noModels = (chip: 'esp32' | 'esp32s3') => buildTestApp({ chip: chipById(chip), identity: identityFor(chip, []) });

  it('refuses an image built for another chip before writing anything', async () => {
    for (const [board, image] of [['esp32', 'esp32s3'], ['esp32s3', 'esp32']] as const) {
      const clock = new VirtualClock();
      const v = createVirtualBoard({ chip: board, clock });
      await v.link.open();
      const before = v.link.bytesWritten;
      const err = await flashRegions(v.link, [{ offset: 0x10000, data: noModels(image), name: 'fw.bin' }], { clock }).catch((e) => e);
      expect(err).toBeInstanceOf(MwwError);
      expect(err.message).toMatch(new RegExp(`built for ${chipById(image).name} .* but the board is an ${chipById(board).name}: refusing`));
      expect(isErased(v.board.flash)).toBe(true);
      expect(v.link.bytesWritten - before).toBeLessThan(400); // only sync/detect traffic, no data
    }
  });

  it('reports the detected chip when --chip disagrees', async () => {
    const clock = new VirtualClock();
    const v = createVirtualBoard({ chip: 'esp32s3', clock });
    await v.link.open();
    await expect(flashRegions(v.link, [{ offset: 0x10000, data: noModels('esp32s3'), name: 'a' }], { clock, chip: 'esp32' })).rejects.toThrow('--chip esp32 was given, but the board on /dev/ttyVIRTUAL0 is an ESP32-S3');
  });

  it('USB-Serial-JTAG port (303a:1001) uses its own reset sequence; classic reset would boot the app', async () => {
    const clock = new VirtualClock();
    const v = createVirtualBoard({ chip: 'esp32s3', clock, vendorId: '303a', productId: '1001' });
    await v.link.open();
    const r = await flashRegions(v.link, [{ offset: 0x10000, data: noModels('esp32s3'), name: 'a' }], { clock });
    expect(r.chip).toBe('esp32s3');
  });

  it('port without modem lines: warns, syncs anyway, reboots through the loader', async () => {
    const clock = new VirtualClock();
    const v = createVirtualBoard({ chip: 'esp32', clock, noModemLines: true, startIn: 'rom' });
    await v.link.open();
    const warnings: string[] = [];
    const app = noModels('esp32');
    const r = await flashRegions(v.link, [{ offset: 0x10000, data: app, name: 'a' }], { clock, warn: (m) => warnings.push(m) });
    expect(warnings.join()).toMatch(/cannot set DTR\/RTS .* trying to sync anyway/);
    expect(r.restart).toBe('loader-reboot');
    expect(v.board.mode).toBe('app');
    expect(same(v.board.flash.subarray(0x10000, 0x10000 + app.length), app)).toBe(true);
  });

  it('--before no-reset talks to a board already in the loader without touching DTR/RTS', async () => {
    const clock = new VirtualClock();
    const v = createVirtualBoard({ chip: 'esp32s3', clock, startIn: 'rom' });
    await v.link.open();
    const r = await flashRegions(v.link, [{ offset: 0x10000, data: noModels('esp32s3'), name: 'a' }], { clock, before: 'no-reset', after: 'no-reset' });
    expect(r.restart).toBe('none');
    expect(v.board.boots.rom).toBe(1);
  });

  it('a board whose reset lands in the app is reported as not in download mode', async () => {
    const clock = new VirtualClock();
    // RTS reaches EN but nothing pulls GPIO0 low: every reset boots the app.
    const v = createVirtualBoard({ chip: 'esp32s3', clock, resetCircuit: 'en-only' });
    await v.link.open();
    const err = await flashRegions(v.link, [{ offset: 0x10000, data: noModels('esp32s3'), name: 'a' }], { clock }).catch((e) => e);
    expect(err).toBeInstanceOf(MwwError);
    expect(err.message).toMatch(/booted its application instead of the serial loader: the reset did not reach download mode. Hold BOOT/);
  });

  it('garbage in flash → the ROM\'s boot error is the verdict', async () => {
    const clock = new VirtualClock();
    const v = createVirtualBoard({ chip: 'esp32', clock });
    await v.link.open();
    const junk = new Uint8Array(0x2000).fill(0x5a);
    let reader: BootLogReader | null = null;
    await flashRegions(v.link, [{ offset: 0x3000, data: junk, name: 'junk' }], { clock, onRestart: () => (reader = new BootLogReader(v.link, { clock })) });
    const rep = await (reader as unknown as BootLogReader).result();
    expect(rep).toMatchObject({ ok: false, bootError: 'invalid header: 0xffffffff' });
  });
});
