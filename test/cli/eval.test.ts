import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeShared, sharedPath } from '../helpers/shared.js';

const wav = (n: string) => sharedPath('golden', 'audio', `${n}.wav`);

/** Seconds of a golden WAV from its own header (canonical 44-byte header: 16 kHz mono 16-bit, 'data' size at byte 40). */
function wavSeconds(n: string): number {
  const b = readFileSync(wav(n));
  expect(b.toString('latin1', 36, 40)).toBe('data');
  return b.readUInt32LE(40) / 2 / 16000;
}

/** positives/ holds okay_nabu.wav; negatives/ the other three golden recordings (one in a subdirectory). */
function dirs(): { pos: string; neg: string; root: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'mww-eval-cli-'));
  const pos = path.join(root, 'positives');
  const neg = path.join(root, 'negatives');
  mkdirSync(pos);
  mkdirSync(path.join(neg, 'sub'), { recursive: true });
  copyFileSync(wav('okay_nabu'), path.join(pos, 'okay_nabu.wav'));
  copyFileSync(wav('negative'), path.join(neg, 'negative.wav'));
  copyFileSync(wav('silence'), path.join(neg, 'silence.wav'));
  copyFileSync(wav('hey_jarvis'), path.join(neg, 'sub', 'hey_jarvis.wav'));
  return { pos, neg, root };
}

describeShared('mww eval', () => {
  it('reports FRR, FA/hour over cutoffs and the chosen cutoff, and plots the curve', async () => {
    const { pos, neg, root } = dirs();
    const plot = path.join(root, 'roc.svg');
    const r = await runCli(['eval', '--model', sharedPath('models', 'okay_nabu.json'), '--positives', pos, '--negatives', neg, '--target-fa-per-hour', '0', '--plot', plot, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.positives.files).toBe(1);
    expect(j.negatives.files).toBe(3);
    const negSeconds = wavSeconds('negative') + wavSeconds('silence') + wavSeconds('hey_jarvis');
    expect(j.negatives.seconds).toBeCloseTo(negSeconds, 2);
    expect(j.curve).toHaveLength(101);
    expect(j.curve[0].cutoff).toBe(0);
    expect(j.curve[100].cutoff).toBe(1);
    // 2025 rule: sum > 255·window is impossible, so cutoff 1.0 rejects everything.
    expect(j.curve[100]).toMatchObject({ falseRejectionRate: 1, falseAcceptsPerHour: 0 });
    // The manifest's cutoff detects the positive and nothing in the negatives (as `mww test` shows).
    expect(j.atCurrentCutoff).toMatchObject({ cutoff: 0.97, falseRejectionRate: 0, falseAcceptsPerHour: 0 });
    expect(j.chosen).toMatchObject({ falseRejectionRate: 0, falseAcceptsPerHour: 0, metTarget: true });
    expect(j.chosen.cutoff).toBeGreaterThanOrEqual(0.97);
    for (const p of j.curve) expect(p.falseAcceptsPerHour).toBeCloseTo((p.falseAccepts / negSeconds) * 3600, 6);
    const svg = readFileSync(plot, 'utf8');
    expect(svg).toContain(`cutoff ${j.chosen.cutoff}`);
    expect(j.notes.join()).toMatch(/only \d+\.\d min of negative audio/);
  });

  it('prints a human summary', async () => {
    const { pos, neg } = dirs();
    const r = await runCli(['eval', '--model', sharedPath('models', 'okay_nabu.json'), '--positives', pos, '--negatives', neg, '--jobs', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/positives: 1 file\(s\)/);
    expect(r.stdout).toMatch(/chosen cutoff 0\.\d+: FRR 0\.0 %, 0\.00 false accepts\/hour/);
    expect(r.stdout).toMatch(/manifest cutoff 0\.97: FRR 0\.0 %/);
  });

  it('gives specific errors', async () => {
    const { pos, neg, root } = dirs();
    const model = sharedPath('models', 'okay_nabu.json');
    const cases: [string[], RegExp][] = [
      [['eval', '--positives', pos, '--negatives', neg], /--model is required/],
      [['eval', '--model', model, '--negatives', neg], /--positives is required/],
      [['eval', '--model', model, '--positives', pos], /--negatives is required/],
      [['eval', '--model', model, '--positives', pos, '--negatives', neg, '--target-fa-per-hour=-1'], /--target-fa-per-hour must be a number ≥ 0/],
      [['eval', '--model', model, '--positives', path.join(root, 'nope'), '--negatives', neg], /nope: positives: no such file or directory/],
      [['eval', '--model', model, '--positives', pos, '--negatives', neg, '--jobs', '0'], /--jobs must be an integer ≥ 1/],
    ];
    for (const [argv, re] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).not.toBe(0);
      expect(r.stderr, argv.join(' ')).toMatch(re);
    }
  });
});
