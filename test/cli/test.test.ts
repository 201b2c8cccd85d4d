import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { detect } from '../../src/detect/index.js';
import { runCli } from '../helpers/cli.js';
import { describeShared, sharedPath } from '../helpers/shared.js';

const WAVS = ['okay_nabu', 'hey_jarvis', 'negative', 'silence'];
const wav = (n: string) => sharedPath('golden', 'audio', `${n}.wav`);
const golden = (w: string, m: string) => Array.from(readFileSync(sharedPath('golden', 'runtime', `${w}__${m}.u8`)));
const tmp = () => mkdtempSync(path.join(tmpdir(), 'mww-test-cli-'));

interface FileJson {
  path: string;
  detected: boolean;
  detections: { timeSeconds: number; wakeWord: string; slice: number; invokeIndex: number }[];
  probabilities: number[];
  maxProbability: number;
  maxSlidingAverage: number;
  durationSeconds: number;
  vad?: { probabilities: number[] };
}

async function testJson(args: string[]): Promise<{ files: FileJson[]; [k: string]: unknown }> {
  const r = await runCli(['test', ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

for (const [model, wakeWord, positive] of [
  ['okay_nabu', 'Okay Nabu', 'okay_nabu'],
  ['hey_jarvis', 'Hey Jarvis', 'hey_jarvis'],
] as const) {
  describeShared(`mww test with ${model}.json`, () => {
    for (const rule of ['2025', '2024.11']) {
      it(`detects ${wakeWord} only in ${positive}.wav (ESPHome ${rule} rule), with the golden per-invoke probabilities`, async () => {
        const j = await testJson(['--model', sharedPath('models', `${model}.json`), '--esphome', rule, ...WAVS.map(wav)]);
        expect(j.files.map((f) => f.path)).toEqual(WAVS.map(wav));
        for (const [i, name] of WAVS.entries()) {
          const f = j.files[i]!;
          // Frontend + runtime on the host equal TFLM's outputs on the golden features.
          expect(f.probabilities).toEqual(golden(name, model));
          expect(f.maxProbability).toBeCloseTo(Math.max(...golden(name, model)) / 255, 6);
          // Detections are ESPHome's rule applied to those outputs (the rule itself is unit-tested on hand cases).
          const expected = detect(Uint8Array.from(golden(name, model)), { cutoff: 0.97, window: 5, esphome: rule as '2025', stride: 3 });
          expect(f.detections.map((d) => d.slice)).toEqual(expected.map((d) => d.slice));
          expect(f.detected).toBe(name === positive);
        }
        const hit = j.files[WAVS.indexOf(positive)]!;
        expect(hit.detections).toHaveLength(1);
        expect(hit.detections[0]!.wakeWord).toBe(wakeWord);
        expect(hit.detections[0]!.timeSeconds).toBeCloseTo(hit.detections[0]!.slice * 0.01, 9);
        expect(hit.detections[0]!.timeSeconds).toBeGreaterThan(0.74);
        expect(hit.detections[0]!.timeSeconds).toBeLessThan(hit.durationSeconds);
        expect(hit.maxSlidingAverage).toBeGreaterThan(0.97);
      });
    }
  });
}

describeShared('mww test inputs, flags and plots', () => {
  it('takes a directory, a bare .tflite (manifest beside it) and prints a human summary', async () => {
    const dir = tmp();
    for (const n of WAVS) copyFileSync(wav(n), path.join(dir, `${n}.wav`));
    const r = await runCli(['test', '--model', sharedPath('models', 'okay_nabu.tflite'), dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/model: Okay Nabu \(okay_nabu\.tflite\): cutoff 0\.97, window 5, stride 3; from manifest/);
    expect(r.stdout).toMatch(/okay_nabu\.wav .*DETECTED at \d+\.\d\d s/);
    expect(r.stdout).toMatch(/silence\.wav .*no detection/);
    expect(r.stdout).toMatch(/1 of 4 file\(s\) with a detection/);
  });

  it('uses stated defaults for a .tflite without a manifest, and flags override', async () => {
    const dir = tmp();
    copyFileSync(sharedPath('models', 'hey_jarvis.tflite'), path.join(dir, 'hj.tflite'));
    const j = await testJson(['--model', path.join(dir, 'hj.tflite'), wav('hey_jarvis')]);
    const m = j.model as { cutoff: number; window: number; settingsFrom: string; wakeWord: string };
    expect(m).toMatchObject({ cutoff: 0.97, window: 5, wakeWord: 'hj' });
    expect(m.settingsFrom).toMatch(/defaults \(cutoff 0\.97, window 5/);
    const j2 = await testJson(['--model', path.join(dir, 'hj.tflite'), '--cutoff', '1', '--window', '3', wav('hey_jarvis')]);
    expect(j2.model).toMatchObject({ cutoff: 1, window: 3 });
    expect(j2.files[0]!.detected).toBe(false); // 2025: sum > 255·3 is impossible
  });

  it('gates with a VAD model and exposes its outputs', async () => {
    const j = await testJson(['--model', sharedPath('models', 'okay_nabu.json'), '--vad', sharedPath('models', 'vad.json'), wav('okay_nabu'), wav('silence')]);
    expect(j.files[0]!.vad!.probabilities).toEqual(golden('okay_nabu', 'vad'));
    expect(j.files[1]!.vad!.probabilities).toEqual(golden('silence', 'vad'));
    expect(j.files[0]!.detected).toBe(true);
    expect(j.files[1]!.detected).toBe(false);
  });

  it('writes an SVG plot and an HTML report', async () => {
    const dir = tmp();
    const svg = path.join(dir, 'p.svg');
    const html = path.join(dir, 'p.html');
    expect((await runCli(['test', '--model', sharedPath('models', 'okay_nabu.json'), wav('okay_nabu'), '--plot', svg])).code).toBe(0);
    const s = readFileSync(svg, 'utf8');
    expect(s.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(s).toContain('cutoff 0.97');
    expect(s).toMatch(/detected \d+\.\d\d s/);
    expect((await runCli(['test', '--model', sharedPath('models', 'okay_nabu.json'), wav('okay_nabu'), wav('silence'), '--plot', html])).code).toBe(0);
    const h = readFileSync(html, 'utf8');
    expect(h.match(/<svg /g)).toHaveLength(2);
    expect(h).toContain('no detection');
  });

  it('passes a broken recording on as a specific error naming the file', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'broken.wav'), 'RIFF....WAVEjunk');
    const r = await runCli(['test', '--model', sharedPath('models', 'okay_nabu.json'), path.join(dir, 'broken.wav')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/broken\.wav: /);
    expect(r.stderr).not.toMatch(/internal error/);
  });

  it('gives specific errors', async () => {
    const model = sharedPath('models', 'okay_nabu.json');
    const cases: [string[], RegExp][] = [
      [['test', wav('silence')], /--model is required/],
      [['test', '--model', model], /at least one WAV/],
      [['test', '--model', model, '--esphome', '2023', wav('silence')], /--esphome must be 2024\.11 or 2025/],
      [['test', '--model', model, '--plot', 'x.png', wav('silence')], /--plot must end in \.svg or \.html/],
      [['test', '--model', model, '--cutoff', 'high', wav('silence')], /--cutoff must be a number from 0 to 1, got "high"/],
      [['test', '--model', model, path.join(tmp(), 'none.wav')], /none\.wav: input: no such file or directory/],
      [['test', '--model', model, tmp()], /input: the directory contains no \.wav files/],
      [['test', '--model', path.join(tmp(), 'm.json'), wav('silence')], /manifest not found/],
    ];
    for (const [argv, re] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).not.toBe(0);
      expect(r.stderr, argv.join(' ')).toMatch(re);
    }
  });
});
