import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ptyTestsEnabled, usePtyPair } from '../helpers/pty.js';
import { describeShared, sharedPath } from '../helpers/shared.js';

/**
 * `mww sim --hil` on one end of a socat pseudo-terminal pair, `mww hil` on the other: the same bytes a real
 * board's UART would carry, through the OS serial layer. Needs socat (skipped with a message without it,
 * failing under CI=true; see test/helpers/pty.ts).
 */
describeShared('mww sim --hil + mww hil over a real pseudo-terminal (socat)', () => {
  if (!ptyTestsEnabled('HIL pty tests')) {
    it.skip('SKIPPED: socat is not installed (apt-get install socat)', () => {});
    return;
  }
  const pty = usePtyPair('mww-hil-pty-');

  it('okay_nabu.wav: bit-exact with the golden runtime output, no dropped frames', async () => {
    const model = sharedPath('models', 'okay_nabu.json');
    const listenersBefore = process.listeners('SIGINT');
    const sim = runCli(['sim', '--hil', '--device', pty.board, '--model', model, '--timeout', '20', '--json']);
    await new Promise((r) => setTimeout(r, 300));
    const r = await runCli(['hil', pty.host, '--model', model, sharedPath('golden', 'audio', 'okay_nabu.wav'), '--json', '--timeout', '2000']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.deviceModels).toEqual(['okay_nabu']);
    expect(j.files).toHaveLength(1);
    const f = j.files[0];
    expect(f.bitExact).toBe(true);
    // The host side is checked against the reference: as many invokes as the golden TFLM run produced.
    expect(f.invokes).toBe(readFileSync(sharedPath('golden', 'runtime', 'okay_nabu__okay_nabu.u8')).length);
    expect(f.droppedFrames).toBe(0);
    expect(f.detections.same).toBe(true);
    expect(f.detections.device.length).toBeGreaterThan(0);
    // Stop the virtual board as Ctrl-C would: call only the SIGINT listener `mww sim` added (not the test runner's).
    const simListeners = process.listeners('SIGINT').filter((l) => !listenersBefore.includes(l));
    expect(simListeners).toHaveLength(1);
    simListeners[0]!('SIGINT');
    const s = await sim;
    expect(s.code, s.stderr).toBe(0);
    const status = JSON.parse(s.stdout).status;
    expect(status.invokes).toBe(f.invokes);
    expect(status.crcErrors).toBe(0);
  }, 30_000);

  it('--hil without --model is a usage error', async () => {
    const r = await runCli(['sim', '--hil', '--device', pty.board]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--hil needs at least one --model/);
  });
});
