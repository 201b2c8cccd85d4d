import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/manifest.js';
import { runCli } from '../helpers/cli.js';
import { describeShared, sharedPath } from '../helpers/shared.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'mww-manifest-cli-'));
const arenaGolden = () => JSON.parse(readFileSync(sharedPath('golden', 'arena.json'), 'utf8')).models;
const up16 = (n: number) => Math.ceil(n / 16) * 16;

describeShared('mww manifest', () => {
  it('writes a valid manifest for esp32s3 / esp-nn 1.1.2 with the golden minimum arena plus the stated margin', async () => {
    const dir = tmp();
    const out = path.join(dir, 'okay_nabu.json');
    const r = await runCli(['manifest', sharedPath('models', 'okay_nabu.tflite'), '--wake-word', 'Okay Nabu', '--author', 'Tester', '--website', 'https://example.com/', '--target', 'esp32s3', '--esp-nn', '1.1.2', '--output', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const min = arenaGolden().okay_nabu.esp32s3['esp-nn 1.1.2'].min_arena;
    expect(j.arena.min).toBe(min);
    expect(j.arena.value).toBe(j.manifest.micro.tensor_arena_size);
    expect(j.arena.value - j.arena.min).toBe(j.arena.margin);
    expect(j.arena.value).toBe(up16(min) + j.arena.marginAdded);
    expect(j.arena.target).toEqual({ chip: 'esp32s3', espNn: '1.1.2' });
    // Written to another directory: the model is copied beside the manifest and named by file name.
    expect(j.modelCopied).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['okay_nabu.json', 'okay_nabu.tflite']);
    const loaded = await loadManifest(out);
    expect(loaded.manifest).toEqual(j.manifest);
    expect(loaded.manifest.model).toBe('okay_nabu.tflite');
    expect(loaded.manifest.micro.probability_cutoff).toBe(0.97);
    expect(loaded.manifest.micro.sliding_window_size).toBe(5);
    expect(loaded.manifest.micro.feature_step_size).toBe(10);
    expect(readFileSync(loaded.modelPath).equals(readFileSync(sharedPath('models', 'okay_nabu.tflite')))).toBe(true);
  });

  it('without a target uses the largest minimum over all supported targets', async () => {
    const dir = tmp();
    copyFileSync(sharedPath('models', 'hey_jarvis.tflite'), path.join(dir, 'hey_jarvis.tflite'));
    const out = path.join(dir, 'hey_jarvis.json');
    const r = await runCli(['manifest', path.join(dir, 'hey_jarvis.tflite'), '--wake-word', 'Hey Jarvis', '--cutoff', '0.95', '--window', '4', '--languages', 'en,de', '--output', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const g = arenaGolden().hey_jarvis;
    const max = Math.max(g.esp32.min_arena, ...Object.values(g.esp32s3 as Record<string, { min_arena: number }>).map((v) => v.min_arena));
    expect(j.arena.min).toBe(max);
    expect(j.arena.target).toBe('max-over-targets');
    expect(j.modelCopied).toBe(false);
    expect(j.manifest.micro).toMatchObject({ probability_cutoff: 0.95, sliding_window_size: 4 });
    expect(j.manifest.trained_languages).toEqual(['en', 'de']);
    expect(j.manifest.author).toBe('unknown');
    expect(j.manifest.website).toBeUndefined();
  });

  it('writes a manifest that passes the schema for every shared model, with the official wake word, cutoff and window', async () => {
    const models = readdirSync(sharedPath('models')).filter((f) => f.endsWith('.tflite'));
    expect(models.length).toBe(9);
    for (const f of models) {
      const official = JSON.parse(readFileSync(sharedPath('models', f.replace(/\.tflite$/, '.json')), 'utf8'));
      const out = path.join(tmp(), f.replace(/\.tflite$/, '.json'));
      const r = await runCli([
        'manifest', sharedPath('models', f), '--wake-word', official.wake_word,
        '--cutoff', String(official.micro.probability_cutoff), '--window', String(official.micro.sliding_window_size), '--output', out,
      ]);
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
      const loaded = await loadManifest(out); // throws listing every schema problem
      expect(loaded.manifest).toMatchObject({ type: 'micro', version: 2, model: f, wake_word: official.wake_word, trained_languages: ['en'] });
      expect(loaded.manifest.micro).toMatchObject({
        probability_cutoff: official.micro.probability_cutoff,
        sliding_window_size: official.micro.sliding_window_size,
        feature_step_size: 10,
        minimum_esphome_version: '2024.7.0',
      });
    }
  });

  it('takes the cutoff from a saved eval result', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'eval.json'), JSON.stringify({ chosen: { cutoff: 0.83 } }));
    const r = await runCli(['manifest', sharedPath('models', 'vad.tflite'), '--wake-word', 'vad', '--cutoff-from', path.join(dir, 'eval.json'), '--output', path.join(dir, 'vad.json'), '--target', 'esp32', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).manifest.micro.probability_cutoff).toBe(0.83);
  });

  it('refuses to point the manifest at a different model of the same name', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'okay_nabu.tflite'), 'not the same model');
    const r = await runCli(['manifest', sharedPath('models', 'okay_nabu.tflite'), '--wake-word', 'X', '--output', path.join(dir, 'okay_nabu.json')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/a different file named okay_nabu\.tflite is already beside the manifest/);
    expect(existsSync(path.join(dir, 'okay_nabu.json'))).toBe(false);
  });

  it('gives specific usage errors', async () => {
    const model = sharedPath('models', 'okay_nabu.tflite');
    const dir = tmp();
    const cases: [string[], RegExp][] = [
      [['manifest', model, '--output', path.join(dir, 'a.json')], /--wake-word is required/],
      [['manifest', model, '--wake-word', 'X'], /--output is required/],
      [['manifest', model, '--wake-word', 'X', '--output', path.join(dir, 'a.txt')], /--output must be a \.json file/],
      [['manifest', model, '--wake-word', 'X', '--output', path.join(dir, 'a.json'), '--cutoff', '1.5'], /--cutoff must be a number from 0 to 1, got "1\.5"/],
      [['manifest', model, '--wake-word', 'X', '--output', path.join(dir, 'a.json'), '--window', '0'], /--window must be an integer ≥ 1/],
      [['manifest', model, '--wake-word', 'X', '--output', path.join(dir, 'a.json'), '--website', 'nope'], /--website must be an http\(s\) URL/],
      [['manifest', model, '--wake-word', 'X', '--output', path.join(dir, 'a.json'), '--target', 'esp8266'], /unknown target chip "esp8266"/],
      [['manifest', model, '--wake-word', 'X', '--output', path.join(dir, 'a.json'), '--esp-nn', '1.1.2'], /--esp-nn needs --target/],
      [['manifest', path.join(dir, 'missing.tflite'), '--wake-word', 'X', '--output', path.join(dir, 'a.json')], /TFLite model not found/],
    ];
    for (const [argv, re] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).not.toBe(0);
      expect(r.stderr, argv.join(' ')).toMatch(re);
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('mww manifest (no shared data)', () => {
  it('refuses a file that is not a TFLite model without writing anything', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'x.tflite'), 'hello, this is not a flatbuffer at all........');
    const r = await runCli(['manifest', path.join(dir, 'x.tflite'), '--wake-word', 'X', '--output', path.join(dir, 'x.json')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/x\.tflite/);
    expect(readdirSync(dir)).toEqual(['x.tflite']);
  });
});
