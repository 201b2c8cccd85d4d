/** `mww infer` end to end through the CLI (runCli runs bin/mww's code path in-process). */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { PROBE_SEED, probeInput } from '../helpers/probe.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'mww-infer-'));

describeShared('mww infer', () => {
  const model = sharedPath('models', 'okay_nabu.tflite');
  const features = sharedPath('golden', 'audio', 'okay_nabu.features.i8');

  it('reproduces every file of golden/runtime byte for byte', async () => {
    const files = readdirSync(sharedPath('golden', 'runtime')).filter((f) => f.endsWith('.u8'));
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const file of files) {
      const [wav, name] = file.replace(/\.u8$/, '').split('__') as [string, string];
      const out = path.join(tmp, file);
      const r = await runCli(['infer', sharedPath('models', `${name}.tflite`), '--features', sharedPath('golden', 'audio', `${wav}.features.i8`), '--output', out]);
      expect(r.stderr, file).toBe('');
      expect(r.code, file).toBe(0);
      // golden/README.md: every reference model takes 3 slices per invoke
      expect(r.stdout, file).toMatch(/invokes .*stride 3/);
      expect(readFileSync(out).equals(readFileSync(sharedPath('golden', 'runtime', file))), file).toBe(true);
    }
  });

  it('reproduces the TFLM outputs of the golden probes (fixture and both variants)', async () => {
    const probes = [
      { dir: ['golden', 'fixture_okay_nabu_v2'], key: 'outputs_uint8_tflm' },
      { dir: ['golden', 'variants', 'resid'], key: 'long.outputs_uint8' },
      { dir: ['golden', 'variants', 'spatial'], key: 'long.outputs_uint8' },
    ];
    for (const { dir, key } of probes) {
      const probe = JSON.parse(readFileSync(sharedPath(...dir, 'probe_io.json'), 'utf8'));
      const expected: number[] = key.split('.').reduce((o, k) => o[k], probe);
      // Every probe feeds [1, 3, 40] per invoke: 120 int8 values (golden/README.md).
      const features = path.join(tmp, `${dir.at(-1)}-probe.i8`);
      writeFileSync(features, probeInput(PROBE_SEED, expected.length * 120));
      const out = path.join(tmp, `${dir.at(-1)}-probe.u8`);
      const r = await runCli(['infer', sharedPath(...dir, 'golden.tflite'), '--features', features, '--output', out]);
      expect(r.code, dir.join('/')).toBe(0);
      expect(Array.from(readFileSync(out)), dir.join('/')).toEqual(expected);
    }
  });

  it('--json reports invokes, stride and the output path', async () => {
    const out = path.join(tmp, 'vad.u8');
    const r = await runCli(['infer', sharedPath('models', 'vad.tflite'), '--features', sharedPath('golden', 'audio', 'silence.features.i8'), '--output', out, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const expected = readFileSync(sharedPath('golden', 'runtime', 'silence__vad.u8'));
    expect(j.invokes).toBe(expected.length);
    expect(j.stride).toBeGreaterThan(0);
    expect(j.output).toBe(out);
    expect(j.slices).toBe(readFileSync(sharedPath('golden', 'audio', 'silence.features.i8')).length / 40);
    expect(readFileSync(out).equals(expected)).toBe(true);
  });

  it('drops trailing slices that do not fill an invoke', async () => {
    const f = path.join(tmp, 'seven.i8');
    writeFileSync(f, readFileSync(features).subarray(0, 7 * 40));
    const out = path.join(tmp, 'seven.u8');
    const r = await runCli(['infer', model, '--features', f, '--output', out, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ invokes: 2, stride: 3, droppedSlices: 1 });
    expect(readFileSync(out).equals(readFileSync(sharedPath('golden', 'runtime', 'okay_nabu__okay_nabu.u8')).subarray(0, 2))).toBe(true);
  });

  it('refuses a feature file that is not a whole number of 40-byte slices', async () => {
    const f = path.join(tmp, 'odd.i8');
    writeFileSync(f, new Uint8Array(121));
    const out = path.join(tmp, 'odd.u8');
    const r = await runCli(['infer', model, '--features', f, '--output', out]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/odd\.i8: feature file is 121 bytes, not a whole number of 40-byte int8 slices/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an empty feature file, a missing one and a directory', async () => {
    const empty = path.join(tmp, 'empty.i8');
    writeFileSync(empty, new Uint8Array(0));
    const out = path.join(tmp, 'x.u8');
    const a = await runCli(['infer', model, '--features', empty, '--output', out]);
    expect(a.code).not.toBe(0);
    expect(a.stderr).toMatch(/empty/);
    const b = await runCli(['infer', model, '--features', path.join(tmp, 'nope.i8'), '--output', out]);
    expect(b.code).not.toBe(0);
    expect(b.stderr).toMatch(/not found/);
    const dir = path.join(tmp, 'adir');
    mkdirSync(dir, { recursive: true });
    const c = await runCli(['infer', dir, '--features', features, '--output', out]);
    expect(c.code).not.toBe(0);
    expect(c.stderr).toMatch(/directory/);
  });

  it('refuses a truncated model file with exit code ≠ 0', async () => {
    const m = path.join(tmp, 'truncated.tflite');
    writeFileSync(m, readFileSync(model).subarray(0, 1000));
    const r = await runCli(['infer', m, '--features', features, '--output', path.join(tmp, 't.u8')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/truncated\.tflite/);
  });
});

describe('mww infer usage', () => {
  it('needs --features and --output', async () => {
    const r = await runCli(['infer', 'model.tflite', '--output', 'x.u8']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--features is required/);
    const r2 = await runCli(['infer', 'model.tflite', '--features', 'x.i8']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--output is required/);
  });
});
