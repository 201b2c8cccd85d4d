import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { MockBinding } from '@serialport/binding-mock';
import { runCli } from '../helpers/cli.js';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { realClock } from '../../src/serial/clock.js';
import { createVirtualBoard } from '../../src/serial/sim/index.js';
import { registerVirtualPort, openPort } from '../../src/serial/transport/open.js';
import { openError } from '../../src/serial/transport/errors.js';
import type { FaultPlan } from '../../src/serial/sim/faults.js';
import { makeBuildDir, type FixtureModel } from './fixtures.js';
import { SerialportTransport } from '../../src/serial/transport/serialport.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
  MockBinding.reset();
});

function virtualPort(path: string, setup: Partial<Parameters<typeof createVirtualBoard>[0]> & { chip: 'esp32' | 'esp32s3' }) {
  const v = createVirtualBoard({ clock: realClock, path, ...setup });
  cleanups.push(registerVirtualPort(path, () => v.link));
  return v;
}

describeShared('mww flash (CLI) against the virtual board', () => {
  const model = (arena = 26080): FixtureModel => ({ id: 'okay_nabu', wakeWord: 'Okay Nabu', bytes: readFileSync(sharedPath('models', 'okay_nabu.tflite')), arena });

  it('flashes BUILD_DIR (factory at 0x0), verifies MD5 and the boot log, --json', async () => {
    const dir = makeBuildDir('esp32', [model()]);
    virtualPort('/dev/ttyVIRT1', { chip: 'esp32' });
    const r = await runCli(['flash', '/dev/ttyVIRT1', dir, '--baud', '921600', '--json']);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ chip: 'esp32', regions: [{ offset: 0, name: '.esphome/build/kitchen/.pioenvs/kitchen/firmware.factory.bin' }], verify: { ok: true, esphomeVersion: '2025.11.0' } });
    expect(j.verify.models[0]).toMatchObject({ id: 'okay_nabu', loaded: true, hashMatches: true });
  });

  it('app-only build output goes to 0x10000; human output names what was verified', async () => {
    const dir = makeBuildDir('esp32s3', [model()], { factory: false, yaml: 'logger:\n  hardware_uart: UART0\n' });
    const { buildBootArea } = await import('../../src/serial/images/index.js');
    const { chipById } = await import('../../src/serial/chips/index.js');
    virtualPort('/dev/ttyVIRT2', { chip: 'esp32s3', initialFlash: [{ offset: 0, data: buildBootArea(chipById('esp32s3')) }] });
    const r = await runCli(['flash', '/dev/ttyVIRT2', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote .*firmware\.bin: \d+ bytes at 0x10000 .* MD5 [0-9a-f]{32} verified/);
    expect(r.stdout).toContain('device verified: ESPHome 2025.11.0, mww 0.1.0, okay_nabu loaded');
  });

  it('too-small arena is reported with TFLM\'s numbers and exit ≠ 0', async () => {
    const dir = makeBuildDir('esp32s3', [model(26080)], { yaml: 'logger:\n  hardware_uart: UART0\n' });
    virtualPort('/dev/ttyVIRT3', { chip: 'esp32s3', espNn: '1.2.1' });
    const r = await runCli(['flash', '/dev/ttyVIRT3', dir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('okay_nabu: arena too small: requested 19440, available 11876');
  });

  it('ESP32-S3 logging on native USB while the user gave a UART bridge: warning, then a specific failure', async () => {
    const dir = makeBuildDir('esp32s3', [model()]);
    virtualPort('/dev/ttyVIRT4', { chip: 'esp32s3', appLog: 'usb-only' });
    const r = await runCli(['flash', '/dev/ttyVIRT4', dir, '--timeout', '1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/warning: ESPHome on an ESP32-S3 logs on the chip's native USB .* UART bridge \(10c4:ea60\)/);
    expect(r.stderr).toContain('the app log is probably on the native USB port');
  });

  it('wrong-chip build refused before writing', async () => {
    const dir = makeBuildDir('esp32s3', [model()]);
    const v = virtualPort('/dev/ttyVIRT5', { chip: 'esp32' });
    const r = await runCli(['flash', '/dev/ttyVIRT5', dir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/firmware\.factory\.bin was built for ESP32-S3 .* but the board is an ESP32: refusing to write it/);
    expect(v.board.flash.every((b) => b === 0xff)).toBe(true);
  });
});

describe('serial port errors', () => {
  it('no such port', async () => {
    const dir = makeBuildDir('esp32', []);
    const r = await runCli(['flash', '/dev/ttyNOPE', dir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('error: no such port: /dev/ttyNOPE (is the board plugged in?');
    expect(r.stderr).not.toMatch(/at .*\.ts/); // no stack trace
  });

  it('busy port (opened by another program): mock binding lock and the real lock message', async () => {
    MockBinding.createPort('/dev/ttyMOCK0', { vendorId: '10c4', productId: 'ea60' });
    const first = await openPort('/dev/ttyMOCK0', { binding: MockBinding });
    await expect(openPort('/dev/ttyMOCK0', { binding: MockBinding })).rejects.toThrow('port /dev/ttyMOCK0 is busy: another program has it open');
    await first.close();
    expect(openError('/dev/ttyUSB0', new Error('Error Resource temporarily unavailable Cannot lock port')).message).toMatch(/^port \/dev\/ttyUSB0 is busy/);
  });

  it('permission denied', async () => {
    const denied = { ...MockBinding, open: async () => Promise.reject(new Error('Error: Permission denied, cannot open /dev/ttyUSB7')) };
    const t = new SerialportTransport({ path: '/dev/ttyUSB7', binding: denied as typeof MockBinding });
    await expect(t.open()).rejects.toThrow('permission denied opening /dev/ttyUSB7: add your user to the group that owns it (usually `sudo usermod -aG dialout $USER`');
  });

  it('the mock binding works as a transport (write, receive, DTR/RTS remembered together)', async () => {
    MockBinding.createPort('/dev/ttyMOCK1', { echo: true, record: true });
    const t = new SerialportTransport({ path: '/dev/ttyMOCK1', binding: MockBinding });
    await t.open();
    const got: number[] = [];
    t.onData((c) => got.push(...c));
    await t.write(Uint8Array.of(1, 2, 3));
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([1, 2, 3]);
    await t.setSignals({ dtr: true });
    await t.setSignals({ rts: true });
    await t.setBaudRate(921600);
    expect(t.baudRate).toBe(921600);
    await t.close();
  });

  it('openPort opens a virtual port at the requested baud rate (default 115200), as it does a real one', async () => {
    virtualPort('/dev/ttyVIRTBAUD', { chip: 'esp32' });
    const fast = await openPort('/dev/ttyVIRTBAUD', { baudRate: 921600 });
    expect(fast.isOpen).toBe(true);
    expect(fast.baudRate).toBe(921600);
    await fast.close();
    const plain = await openPort('/dev/ttyVIRTBAUD');
    expect(plain.baudRate).toBe(115200);
    await plain.close();
    MockBinding.createPort('/dev/ttyMOCKBAUD', {});
    const real = await openPort('/dev/ttyMOCKBAUD', { binding: MockBinding, baudRate: 460800 });
    expect(real.baudRate).toBe(460800);
    await real.close();
  });

  it('unplugged mid-write: specific message, flash reported incomplete', async () => {
    const dir = makeBuildDir('esp32', []);
    const faults: FaultPlan[] = [{ kind: 'disconnect', direction: 'to-device', after: 3000 }];
    virtualPort('/dev/ttyVIRT6', { chip: 'esp32', faults });
    const r = await runCli(['flash', '/dev/ttyVIRT6', dir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/error: \/dev\/ttyVIRT6: the board was disconnected while writing .*firmware\.factory\.bin at 0x0 \(after block \d+\/\d+\): the flash is incomplete — reconnect the board and run mww flash again/);
  });

  it('usage errors', async () => {
    expect((await runCli(['flash'])).stderr).toContain('expected PORT');
    expect((await runCli(['flash', '/dev/x', '.', '--before', 'sometimes'])).stderr).toContain('--before must be one of default, no-reset, got "sometimes"');
    const dir = makeBuildDir('esp32', []);
    expect((await runCli(['flash', '/dev/x', dir, '--offset', '0x1000'])).stderr).toContain('--offset applies to a single .bin file');
  });
});

describe('mww monitor', () => {
  it('prints log lines as JSON with level/tag/message, and reconnects after the port goes away', async () => {
    const { buildFactoryImage, buildTestApp } = await import('../../src/serial/images/index.js');
    const { chipById } = await import('../../src/serial/chips/index.js');
    const { identityFor } = await import('./fixtures.js');
    const chip = chipById('esp32');
    const factory = buildFactoryImage(chip, buildTestApp({ chip, identity: identityFor('esp32', []) }));
    let n = 0;
    const boards: ReturnType<typeof createVirtualBoard>[] = [];
    cleanups.push(
      registerVirtualPort('/dev/ttyVIRT7', () => {
        // Each open finds the board freshly booted (after a USB re-enumeration).
        const v = createVirtualBoard({ chip: 'esp32', clock: realClock, path: '/dev/ttyVIRT7', initialFlash: [{ offset: 0, data: factory }], startIn: 'rom' });
        boards.push(v);
        if (n++ === 0) setTimeout(() => v.link.disconnect('USB re-enumeration'), 150);
        setTimeout(() => v.board.boot('app'), 50);
        return v.link;
      }),
    );
    const r = await runCli(['monitor', '/dev/ttyVIRT7', '--json', '--timeout', '1.5']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.event === 'connected')).toHaveLength(2);
    expect(lines.some((l) => l.event === 'disconnected')).toBe(true);
    const version = lines.find((l) => l.tag === 'app' && /^ESPHome version/.test(l.message));
    expect(version).toMatchObject({ level: 'I', tag: 'app', message: expect.stringContaining('ESPHome version 2025.11.0') });
    expect(typeof version.time).toBe('string');
    expect(lines.some((l) => l.event === 'reset')).toBe(true);
  });
});
