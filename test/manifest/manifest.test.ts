import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MwwError } from '../../src/errors.js';
import {
  buildManifest,
  loadManifest,
  modelPathProblem,
  validateManifest,
  validateManifestDetailed,
  writeManifest,
} from '../../src/manifest/manifest.js';
import { describeShared, sharedPath } from '../helpers/shared.js';

const good = () => ({
  type: 'micro',
  wake_word: 'Hey Mycroft',
  author: 'Someone',
  website: 'https://example.com/',
  model: 'hey_mycroft.tflite',
  trained_languages: ['en'],
  version: 2,
  micro: {
    probability_cutoff: 0.95,
    sliding_window_size: 5,
    feature_step_size: 10,
    tensor_arena_size: 23628,
    minimum_esphome_version: '2024.7.0',
  },
});

function problemsOf(json: unknown): string[] {
  try {
    validateManifest(json, 'm.json');
  } catch (e) {
    expect(e).toBeInstanceOf(MwwError);
    expect((e as MwwError).message.startsWith('m.json: invalid wake word manifest')).toBe(true);
    return ((e as MwwError).details?.problems as string[]) ?? [(e as Error).message];
  }
  throw new Error('expected the manifest to be refused');
}

describeShared('the official manifests', () => {
  const files = readdirSync(sharedPath('models')).filter((f) => f.endsWith('.json'));
  it('finds the nine shared manifests', () => expect(files.length).toBe(9));
  for (const f of files) {
    it(`${f} is valid and loads with its model`, async () => {
      const loaded = await loadManifest(sharedPath('models', f));
      const raw = JSON.parse(readFileSync(sharedPath('models', f), 'utf8'));
      expect(loaded.manifest.micro).toEqual(raw.micro);
      expect(loaded.manifest.wake_word).toBe(raw.wake_word);
      expect(loaded.modelPath).toBe(sharedPath('models', raw.model));
      expect(loaded.sourceVersion).toBe(2);
      expect(loaded.notes).toEqual([]);
    });
  }
});

describe('validateManifest: refusals name field, expectation and finding', () => {
  const required = ['type', 'wake_word', 'author', 'model', 'trained_languages', 'version', 'micro'];
  for (const key of required) {
    it(`refuses a manifest without ${key}`, () => {
      const j: Record<string, unknown> = good();
      delete j[key];
      const probs = problemsOf(j);
      expect(probs.some((p) => p.startsWith(`${key}: missing`))).toBe(true);
    });
  }
  for (const key of ['probability_cutoff', 'sliding_window_size', 'feature_step_size', 'tensor_arena_size', 'minimum_esphome_version']) {
    it(`refuses a manifest without micro.${key}`, () => {
      const j = good();
      delete (j.micro as Record<string, unknown>)[key];
      expect(problemsOf(j)).toEqual([expect.stringMatching(new RegExp(`^micro\\.${key}: missing \\(expected `))]);
    });
  }
  it('website is optional', () => {
    const j: Record<string, unknown> = good();
    delete j.website;
    expect(validateManifest(j, 'm.json').website).toBeUndefined();
  });

  const cases: [string, (j: ReturnType<typeof good>) => void, RegExp][] = [
    ['type not micro', (j) => ((j as Record<string, unknown>).type = 'tflite'), /^type: expected the string "micro", found the string "tflite"$/],
    ['version 3', (j) => ((j as Record<string, unknown>).version = 3), /^version: expected the number 2 .*found number 3$/],
    ['version as string', (j) => ((j as Record<string, unknown>).version = '2'), /^version: .*found the string "2"$/],
    ['wake_word a number', (j) => ((j as Record<string, unknown>).wake_word = 42), /^wake_word: expected a non-empty string, found number 42$/],
    ['empty author', (j) => (j.author = ''), /^author: expected a non-empty string, found the string ""$/],
    ['website not a URL', (j) => (j.website = 'example dot com'), /^website: expected an http\(s\) URL.*found the string "example dot com"$/],
    ['trained_languages list of numbers', (j) => ((j as Record<string, unknown>).trained_languages = [1]), /^trained_languages: expected a list of language codes.*found a list/],
    ['cutoff above 1', (j) => (j.micro.probability_cutoff = 1.5), /^micro\.probability_cutoff: expected a number from 0\.0 to 1\.0, found number 1\.5$/],
    ['cutoff negative', (j) => (j.micro.probability_cutoff = -0.1), /^micro\.probability_cutoff: .*found number -0\.1$/],
    ['cutoff as string', (j) => ((j.micro as Record<string, unknown>).probability_cutoff = '0.9'), /^micro\.probability_cutoff: .*found the string "0\.9"$/],
    ['window 0', (j) => (j.micro.sliding_window_size = 0), /^micro\.sliding_window_size: expected a positive integer.*found number 0$/],
    ['window fractional', (j) => (j.micro.sliding_window_size = 2.5), /^micro\.sliding_window_size: .*found number 2\.5$/],
    ['step 31', (j) => (j.micro.feature_step_size = 31), /^micro\.feature_step_size: expected an integer from 0 to 30.*found number 31$/],
    ['arena 0', (j) => (j.micro.tensor_arena_size = 0), /^micro\.tensor_arena_size: expected a positive integer.*found number 0$/],
    ['arena as string', (j) => ((j.micro as Record<string, unknown>).tensor_arena_size = '30000'), /^micro\.tensor_arena_size: .*found the string "30000"$/],
    ['version string malformed', (j) => (j.micro.minimum_esphome_version = '2024.7'), /^micro\.minimum_esphome_version: expected a version "YYYY\.M\.P".*found the string "2024\.7"$/],
    ['extra key', (j) => ((j as Record<string, unknown>).color = 'red'), /^color: unknown field/],
    ['extra micro key', (j) => ((j.micro as Record<string, unknown>).sliding_window_average_size = 5), /^micro\.sliding_window_average_size: unknown field/],
    ['micro not an object', (j) => ((j as Record<string, unknown>).micro = [1]), /^micro: expected an object.*found a list/],
  ];
  for (const [name, mutate, re] of cases) {
    it(`refuses: ${name}`, () => {
      const j = good();
      mutate(j);
      const probs = problemsOf(j);
      expect(probs.some((p) => re.test(p)), probs.join(' | ')).toBe(true);
    });
  }

  it('reports every problem at once', () => {
    const j = good();
    j.micro.probability_cutoff = 2;
    j.micro.feature_step_size = -1;
    j.author = '';
    expect(problemsOf(j)).toHaveLength(3);
  });

  it('refuses a top level that is not an object', () => {
    expect(() => validateManifest([1, 2], 'm.json')).toThrow(/m\.json: a manifest must be a JSON object, found a list/);
  });
});

describe('model path safety', () => {
  const bad: [string, RegExp][] = [
    ['../x.tflite', /path traversal/],
    ['a/../../x.tflite', /path traversal/],
    ['/etc/x.tflite', /absolute path/],
    ['C:\\models\\x.tflite', /absolute path/],
    ['c:x.tflite', /absolute path/],
    ['sub\\x.tflite', /backslash/],
    ['https://example.com/x.tflite', /URL/],
    ['dir/', /directory/],
  ];
  for (const [model, re] of bad) {
    it(`refuses model ${JSON.stringify(model)}`, () => {
      expect(modelPathProblem(model)).toMatch(re);
      const j = good();
      j.model = model;
      expect(problemsOf(j).some((p) => p.startsWith(`model: ${JSON.stringify(model)}`) && re.test(p))).toBe(true);
    });
  }
  it('accepts a bare file name and a subdirectory below the manifest', () => {
    expect(modelPathProblem('x.tflite')).toBeUndefined();
    expect(modelPathProblem('models/x.tflite')).toBeUndefined();
    expect(modelPathProblem('..x.tflite')).toBeUndefined();
  });
});

describe('version 1 manifests', () => {
  const v1 = () => ({
    type: 'micro',
    wake_word: 'Hey Jarvis',
    author: 'Kevin Ahrendt',
    website: 'https://www.kevinahrendt.com/',
    model: 'hey_jarvis.tflite',
    version: 1,
    micro: { probability_cutoff: 0.5, sliding_window_average_size: 10, minimum_esphome_version: '2024.2.0' },
  });
  it('is upgraded as ESPHome does (arena 45672, step 20) with a note', () => {
    const r = validateManifestDetailed(v1(), 'v1.json');
    expect(r.sourceVersion).toBe(1);
    expect(r.manifest.version).toBe(2);
    expect(r.manifest.micro).toEqual({
      probability_cutoff: 0.5,
      sliding_window_size: 10,
      feature_step_size: 20,
      tensor_arena_size: 45672,
      minimum_esphome_version: '2024.2.0',
    });
    expect(r.manifest.trained_languages).toEqual(['en']);
    expect(r.notes.join()).toMatch(/version 1 manifest: upgraded.*45672.*20 ms/);
  });
  it('requires website and sliding_window_average_size in V1', () => {
    const j: Record<string, unknown> = v1();
    delete j.website;
    delete (j.micro as Record<string, unknown>).sliding_window_average_size;
    const probs = problemsOf(j);
    expect(probs).toContainEqual(expect.stringMatching(/^website: missing/));
    expect(probs).toContainEqual(expect.stringMatching(/^micro\.sliding_window_average_size: missing/));
  });
});

describe('build, write, load round trip', () => {
  it('writes atomically what it validated and reads it back', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mww-manifest-'));
    writeFileSync(path.join(dir, 'x.tflite'), new Uint8Array([1, 2, 3]));
    const m = buildManifest({ model: 'x.tflite', wakeWord: 'Hey X', author: 'me', cutoff: 0.9, window: 5, tensorArenaSize: 12345, languages: ['en', 'de'] });
    await writeManifest(path.join(dir, 'x.json'), m);
    expect(readdirSync(dir).sort()).toEqual(['x.json', 'x.tflite']);
    const text = readFileSync(path.join(dir, 'x.json'), 'utf8');
    expect(Object.keys(JSON.parse(text))).toEqual(['type', 'wake_word', 'author', 'model', 'trained_languages', 'version', 'micro']);
    const loaded = await loadManifest(path.join(dir, 'x.json'));
    expect(loaded.manifest).toEqual(m);
    expect(loaded.modelPath).toBe(path.join(dir, 'x.tflite'));
  });
  it('buildManifest refuses bad values naming the manifest field', () => {
    expect(() => buildManifest({ model: 'x.tflite', wakeWord: 'X', author: 'me', cutoff: 1.2, window: 5, tensorArenaSize: 1 })).toThrow(/micro\.probability_cutoff/);
  });
  it('loadManifest: specific errors for bad JSON and a missing model', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mww-manifest-'));
    writeFileSync(path.join(dir, 'bad.json'), '{ "type": "micro", ');
    await expect(loadManifest(path.join(dir, 'bad.json'))).rejects.toThrow(/bad\.json: not valid JSON/);
    writeFileSync(path.join(dir, 'm.json'), JSON.stringify(good()));
    await expect(loadManifest(path.join(dir, 'm.json'))).rejects.toThrow(/model "hey_mycroft\.tflite" does not exist/);
    await expect(loadManifest(path.join(dir, 'nope.json'))).rejects.toThrow(/manifest not found/);
  });
});
