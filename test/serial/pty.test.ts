import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ptyTestsEnabled, usePtyPair } from '../helpers/pty.js';
import { openPort } from '../../src/serial/transport/open.js';
import { images } from './fixtures.js';

/** `mww sim --device` on one end of a socat pseudo-terminal pair, `mww flash` on the other. Needs socat. */
(ptyTestsEnabled('pty tests') ? describe : describe.skip)('over a real pseudo-terminal (socat)', () => {
  const pty = usePtyPair('mww-pty-');

  it('mww sim --device + mww flash --before no-reset: writes, verifies, reboots through the loader, boot log verified', async () => {
    const { app } = images('esp32', []);
    const file = path.join(pty.dir, 'app.bin');
    writeFileSync(file, app);
    const { buildBootArea } = await import('../../src/serial/images/index.js');
    const { chipById } = await import('../../src/serial/chips/index.js');
    const boot = path.join(pty.dir, 'boot.bin');
    writeFileSync(boot, buildBootArea(chipById('esp32')));
    const sim = runCli(['sim', '--chip', 'esp32', '--device', pty.board, '--flash', `${boot}@0x0`, '--timeout', '4']);
    await new Promise((r) => setTimeout(r, 300));
    const r = await runCli(['flash', pty.host, file, '--before', 'no-reset', '--baud', '460800', '--timeout', '5']);
    expect(r.stderr).toContain('connected to ESP32');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote app\.bin: \d+ bytes at 0x10000 .* verified/);
    expect(r.stdout).toContain('device verified: ESPHome 2025.11.0');
    const s = await sim;
    expect(s.code).toBe(0);
  }, 30_000);

  it('a port already opened by another program is reported busy', async () => {
    const first = await openPort(pty.host);
    try {
      await expect(openPort(pty.host)).rejects.toThrow(`port ${pty.host} is busy`);
    } finally {
      await first.close();
    }
  });
});
