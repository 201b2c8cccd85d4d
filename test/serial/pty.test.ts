import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { openPort } from '../../src/serial/transport/open.js';
import { images } from './fixtures.js';

/** `mww sim --device` on one end of a socat pseudo-terminal pair, `mww flash` on the other. Needs socat. */
const hasSocat = spawnSync('socat', ['-V']).status === 0;
const inCi = process.env.CI === 'true' || process.env.CI === '1';
if (!hasSocat && !inCi) console.warn('SKIPPED pty tests: socat is not installed (apt-get install socat)');

(hasSocat || inCi ? describe : describe.skip)('over a real pseudo-terminal (socat)', () => {
  let socat: ChildProcess;
  let dir: string;
  let a: string;
  let b: string;
  beforeAll(async () => {
    if (!hasSocat) throw new Error('socat is required under CI=true');
    dir = mkdtempSync(path.join(os.tmpdir(), 'mww-pty-'));
    a = path.join(dir, 'board');
    b = path.join(dir, 'host');
    socat = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(existsSync(a) && existsSync(b)); i++) await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(() => {
    socat?.kill();
  });

  it('mww sim --device + mww flash --before no-reset: writes, verifies, reboots through the loader, boot log verified', async () => {
    const { app } = images('esp32', []);
    const file = path.join(dir, 'app.bin');
    writeFileSync(file, app);
    const { buildBootArea } = await import('../../src/serial/images/index.js');
    const { chipById } = await import('../../src/serial/chips/index.js');
    const boot = path.join(dir, 'boot.bin');
    writeFileSync(boot, buildBootArea(chipById('esp32')));
    const sim = runCli(['sim', '--chip', 'esp32', '--device', a, '--flash', `${boot}@0x0`, '--timeout', '4']);
    await new Promise((r) => setTimeout(r, 300));
    const r = await runCli(['flash', b, file, '--before', 'no-reset', '--baud', '460800', '--timeout', '5']);
    expect(r.stderr).toContain('connected to ESP32');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote app\.bin: \d+ bytes at 0x10000 .* verified/);
    expect(r.stdout).toContain('device verified: ESPHome 2025.11.0');
    const s = await sim;
    expect(s.code).toBe(0);
  }, 30_000);

  it('a port already opened by another program is reported busy', async () => {
    const first = await openPort(b);
    try {
      await expect(openPort(b)).rejects.toThrow(`port ${b} is busy`);
    } finally {
      await first.close();
    }
  });
});
