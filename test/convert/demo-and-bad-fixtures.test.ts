/**
 * The built-in demo checkpoint (deterministic, labelled UNTRAINED, converts and passes the contract), and bad
 * generated checkpoints: each gives a specific error naming the h5 path / layer / expected vs found, and the
 * CLI writes nothing on failure.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_SPECTROGRAM_LENGTH, writeDemoCheckpoint } from '../../src/convert/demo.js';
import { manifestAuthor, SYNTHETIC_AUTHOR_LABEL, validateManifest } from '../../src/manifest/manifest.js';
import { convertCheckpoint } from '../../src/convert/index.js';
import { seededInit } from '../../src/convert/keras/init.js';
import { runCli } from '../helpers/cli.js';
import { SMALL_MIXEDNET, writeFixture } from './fixtures.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'mww-demo-'));

describe('demo checkpoint', () => {
  it('is a microWakeWord training directory, deterministic and labelled UNTRAINED', async () => {
    const a = await writeDemoCheckpoint(path.join(tmp, 'a'));
    const b = await writeDemoCheckpoint(path.join(tmp, 'b'));
    expect(a).toBe(path.join(tmp, 'a'));
    const h5a = readFileSync(path.join(a, 'best_weights.weights.h5'));
    expect(h5a.subarray(0, 9)).toEqual(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0])); // superblock v0
    expect(h5a.equals(readFileSync(path.join(b, 'best_weights.weights.h5')))).toBe(true);
    expect(readFileSync(path.join(a, 'training_config.yaml'), 'utf8')).toMatch(/training_input_shape: !!python\/tuple\n- \d+\n- 40/);
    expect(readFileSync(path.join(a, 'README.txt'), 'utf8')).toMatch(/UNTRAINED/);
  });
  it('converts with synthetic calibration, identically each time, and passes the ESPHome contract', async () => {
    const dir = await writeDemoCheckpoint(path.join(tmp, 'c'));
    const r1 = await convertCheckpoint({ source: dir, calibration: ['synthetic'] });
    const r2 = await convertCheckpoint({ source: path.join(tmp, 'a'), calibration: ['synthetic'] });
    expect(r1.report.contract.ok).toBe(true);
    expect(r1.report.stride).toBe(3);
    expect(Buffer.from(r1.tflite).equals(Buffer.from(r2.tflite))).toBe(true);
  }, 30_000);
  it('labels a synthetically calibrated model as unsuitable for deployment in its manifest (author), a real one not', async () => {
    const dir = await writeDemoCheckpoint(path.join(tmp, 'labelled'));
    const convertWithManifest = async (name: string, args: string[]) => {
      const out = path.join(tmp, `${name}.tflite`);
      const r = await runCli(['convert', dir, '--output', out, '--manifest', ...args]);
      expect(r.code, r.stderr).toBe(0);
      // Still a manifest ESPHome accepts: the label lives in a field of the V2 schema, no extra key.
      return validateManifest(JSON.parse(readFileSync(path.join(tmp, `${name}.json`), 'utf8')), name);
    };
    expect((await convertWithManifest('synthetic', ['--calibration', 'synthetic'])).author).toBe('mww (synthetic calibration: not for deployment)');
    expect((await convertWithManifest('synthetic-jane', ['--calibration', 'synthetic', '--author', 'Jane'])).author).toBe('Jane (synthetic calibration: not for deployment)');
    // Two spectrograms of the demo's 100 frames, in the feature range: real (if arbitrary) calibration data.
    const features = path.join(tmp, 'features.f32');
    writeFileSync(features, new Float32Array(2 * DEMO_SPECTROGRAM_LENGTH * 40).map((_, i) => (i * 7) % 26));
    expect((await convertWithManifest('real', ['--calibration', features])).author).toBe('mww');
    expect(manifestAuthor(manifestAuthor('x', true), true)).toBe(`x${SYNTHETIC_AUTHOR_LABEL}`);
  }, 30_000);
});

const small = { ...SMALL_MIXEDNET, mixconv_kernel_sizes: '[3], [5,7]' };

describe('bad generated checkpoints', () => {
  it('flags that do not match the weights: names the h5 path, the layer and expected vs found', async () => {
    const dir = await writeFixture('mismatch', { flags: small, spectrogramLength: 40 });
    const err = await convertCheckpoint({ source: dir, calibration: ['synthetic'], flags: { pointwise_filters: '8,12' } }).catch((e) => e);
    expect(String(err.message)).toMatch(/\/layers\/conv2d_1\/vars\/0/);
    expect(String(err.message)).toMatch(/expected \[1,1,8,12\], found \[1,1,8,8\]/);
  });
  it('Inf weights: names the dataset', async () => {
    const base = seededInit(3);
    let n = 0;
    const dir = await writeFixture('inf', {
      flags: small,
      spectrogramLength: 40,
      init: (role, shape, fanIn) => {
        const v = base(role, shape, fanIn);
        if (role === 'kernel' && n++ === 2) v[1] = Infinity;
        return v;
      },
    });
    const err = await convertCheckpoint({ source: dir, calibration: ['synthetic'] }).catch((e: Error) => e);
    expect(String((err as Error).message)).toMatch(/dataset \/layers\/conv2d\/vars\/0 \(layer conv2d_1\) contains Inf/); // third kernel created: block 0 pointwise
  });
  it('missing layer: says which layer class the architecture still needs', async () => {
    const dir = await writeFixture('missing', { flags: small, spectrogramLength: 40, editLayers: (ls) => ls.filter((l) => l.key !== 'depthwise_conv2d_2') });
    await expect(convertCheckpoint({ source: dir, calibration: ['synthetic'] })).rejects.toThrow(/missing layer.*depthwise_conv2d/);
  });
  it('Inception with an unsupported option is refused before any work, naming the option', async () => {
    const dir = await writeFixture('inception-ok', { flags: { model_name: 'inception', stride: 1, cnn1_filters: '4', cnn1_kernel_sizes: '3', cnn1_subspectral_groups: '1', cnn2_filters1: '4', cnn2_filters2: '4', cnn2_kernel_sizes: '3', cnn2_subspectral_groups: '1', cnn2_dilation: '1' }, spectrogramLength: 20 });
    await expect(convertCheckpoint({ source: dir, calibration: ['synthetic'], flags: { cnn2_dilation: '2' } })).rejects.toThrow(/cnn2_dilation\[0\] = 2/);
    await expect(convertCheckpoint({ source: dir, calibration: ['synthetic'], flags: { stride: 3 } })).rejects.toThrow(/stride 3 with model_name inception/);
  });
  it('the CLI writes nothing when the checkpoint is bad', async () => {
    const dir = await writeFixture('cli-missing', { flags: small, spectrogramLength: 40, editLayers: (ls) => ls.filter((l) => l.key !== 'dense') });
    const out = path.join(tmp, 'never.tflite');
    const r = await runCli(['convert', dir, '--calibration', 'synthetic', '--output', out]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/dense/);
    expect(existsSync(out)).toBe(false);
  });
  it('the CLI refuses an --output that is its input, before any work', async () => {
    const dir = await writeFixture('cli-same', { flags: small, spectrogramLength: 40 });
    const h5 = path.join(dir, 'best_weights.weights.h5');
    const before = readFileSync(h5);
    const r = await runCli(['convert', h5, '--calibration', 'synthetic', '--output', h5]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/same file as SOURCE/);
    expect(readFileSync(h5).equals(before)).toBe(true);
  });
});
