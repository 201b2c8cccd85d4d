import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeShared, sharedPath } from '../helpers/shared.js';
import type { HilSimModel } from '../../src/hil/sim-board.js';
import { registerHilPort, simModelsFromFiles } from '../../src/hil/virtual.js';

describeShared('mww hil (CLI) against virtual boards', () => {
  let models: HilSimModel[];
  const unregister: (() => void)[] = [];
  beforeAll(async () => {
    models = await simModelsFromFiles([sharedPath('models', 'okay_nabu.json'), sharedPath('models', 'hey_jarvis.json')]);
    unregister.push(registerHilPort('/dev/ttyHILGOOD', { models }));
    unregister.push(registerHilPort('/dev/ttyHILBAD', { models, perturb: [{ invoke: 42, model: 1, value: 200 }] }));
    unregister.push(registerHilPort('/dev/ttyHILSLOW', { models, baudRate: 115200 }));
  });
  afterAll(() => unregister.forEach((u) => u()));

  it('--json: every golden WAV bit-exact for hey_jarvis, model picked by name, exit 0', async () => {
    const r = await runCli(['hil', '/dev/ttyHILGOOD', '--model', sharedPath('models', 'hey_jarvis.json'), sharedPath('golden', 'audio'), '--json', '--timeout', '2']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.deviceModels).toEqual(['okay_nabu', 'hey_jarvis']);
    expect(j.files).toHaveLength(4);
    for (const f of j.files) {
      expect(f.bitExact).toBe(true);
      expect(f.invokes).toBe(readFileSync(sharedPath('golden', 'runtime', `${path.basename(f.path, '.wav')}__hey_jarvis.u8`)).length);
      expect(f.firstDivergence).toBeUndefined();
      expect(f.droppedFrames).toBe(0);
      expect(f.crcErrors).toEqual({ toDevice: 0, fromDevice: 0 });
      expect(f.realTimeFactor).toBeGreaterThan(0);
    }
  });

  it('human output names the first divergence with host and device values, exit 1; --plot writes an SVG', async () => {
    const plot = path.join(mkdtempSync(path.join(os.tmpdir(), 'mww-hil-')), 'hil.svg');
    const wav = sharedPath('golden', 'audio', 'hey_jarvis.wav');
    const r = await runCli(['hil', '/dev/ttyHILBAD', '--model', sharedPath('models', 'hey_jarvis.json'), wav, '--plot', plot, '--timeout', '2']);
    expect(r.code).toBe(1);
    const expected = readFileSync(sharedPath('golden', 'runtime', 'hey_jarvis__hey_jarvis.u8'))[42];
    expect(r.stdout).toContain(`DIVERGES at invoke 42: host ${expected}, device 200 (1 of`);
    expect(readFileSync(plot, 'utf8')).toMatch(/^<svg[\s\S]*divergence @42/);
  });

  it('a device that does not answer in HIL mode (wrong baud rate) gets a specific error', async () => {
    const r = await runCli(['hil', '/dev/ttyHILSLOW', '--model', sharedPath('models', 'okay_nabu.json'), sharedPath('golden', 'audio', 'silence.wav'), '--timeout', '0.02']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no HIL answer from the device after 5 attempts.*mww_hil.*baud rate/);
  });

  it('usage errors: no port, no --model, bad --frame-samples', async () => {
    expect((await runCli(['hil'])).code).toBe(2);
    expect((await runCli(['hil', '/dev/ttyHILGOOD', 'x.wav'])).stderr).toMatch(/--model is required/);
    const r = await runCli(['hil', '/dev/ttyHILGOOD', '--model', 'm.json', 'x.wav', '--frame-samples', '200']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/multiple of 160/);
    // --timeout is in seconds (fractions allowed), like sim/flash/monitor; the session needs at least 10 ms.
    const t = await runCli(['hil', '/dev/ttyHILGOOD', '--model', 'm.json', 'x.wav', '--timeout', '0.005']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/--timeout must be a number of seconds ≥ 0\.01, got "0\.005"/);
  });
});
