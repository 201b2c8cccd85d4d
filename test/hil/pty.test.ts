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
    const r = await runCli(['hil', pty.host, '--model', model, sharedPath('golden', 'audio', 'okay_nabu.wav'), '--json', '--timeout', '2']);
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

  it('--fault on the test-mode board: corrupted and lost bytes in both directions are recovered, bit-exact, losses reported', async () => {
    const model = sharedPath('models', 'okay_nabu.json');
    const golden = Array.from(readFileSync(sharedPath('golden', 'runtime', 'okay_nabu__okay_nabu.u8')));
    const listenersBefore = process.listeners('SIGINT');
    // Byte positions in each direction's stream: two hits in the audio (host → device), five in the reports.
    const faults = ['corrupt:to-device:20000', 'drop:to-device:70000', ...[3000, 3500, 4000, 4500, 5000].map((b) => `corrupt:from-device:${b}`)];
    const sim = runCli(['sim', '--hil', '--device', pty.board, '--model', model, '--timeout', '20', '--json', ...faults.flatMap((f) => ['--fault', f])]);
    await new Promise((r) => setTimeout(r, 300));
    const r = await runCli(['hil', pty.host, '--model', model, sharedPath('golden', 'audio', 'okay_nabu.wav'), '--json', '--timeout', '0.5']);
    expect(r.code, r.stderr).toBe(0);
    const f = JSON.parse(r.stdout).files[0];
    expect(f.bitExact).toBe(true);
    expect(f.host.probabilities).toEqual(golden);
    expect(f.device.probabilities).toEqual(golden);
    expect(f.detections.same).toBe(true);
    // The losses are reported: each damaged audio frame left a hole the device saw and the host resent.
    expect(f.droppedFrames).toBeGreaterThanOrEqual(2);
    expect(f.framesResent).toBeGreaterThanOrEqual(2);
    expect(f.framesSent).toBeGreaterThan(f.framesTotal);
    // Damaged device → host frames fail their CRC at the host, or (header hit) leave a gap the host asked to resend.
    expect(f.crcErrors.fromDevice + f.recovery.resendRequests).toBeGreaterThanOrEqual(1);
    const simListeners = process.listeners('SIGINT').filter((l) => !listenersBefore.includes(l));
    expect(simListeners).toHaveLength(1);
    simListeners[0]!('SIGINT');
    const s = await sim;
    expect(s.code, s.stderr).toBe(0);
    const j = JSON.parse(s.stdout);
    expect(j.faultsFired).toBe(faults.length);
    expect(j.status.gaps).toBe(f.droppedFrames);
    expect(j.status.invokes).toBe(golden.length);
  }, 30_000);

  it('--hil without --model is a usage error', async () => {
    const r = await runCli(['sim', '--hil', '--device', pty.board]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--hil needs at least one --model/);
  });
});
