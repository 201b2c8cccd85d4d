/** `mww inspect` through the real CLI entry point: output fields, --arena, and malformed inputs. */
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { runCli } from '../helpers/cli.js';
import { readModelFile } from '../../src/tflite/file.js';
import { writeModel } from '../../src/tflite/writer.js';
import { BuiltinOp } from '../../src/tflite/model.js';

describeShared('mww inspect', () => {
  const nabu = sharedPath('models', 'okay_nabu.tflite');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mww-inspect-'));
  });

  it('--json: arena for a target with requested/available at a too-small arena (golden arena.json)', async () => {
    const r = await runCli(['inspect', nabu, '--target', 'esp32s3', '--esp-nn', '1.2.1', '--arena', '26080', '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.arena).toMatchObject({ target: 'esp32s3', espNn: '1.2.1', min: 33764, requested: 19440, available: 11876, ok: false });
    expect(j.verdict.loads).toBe(false);
    expect(j.verdict.reasons[0]).toContain('Failed to resize buffer. Requested: 19440, available 11876');
    expect(r.stderr).toContain('ESPHome would not load okay_nabu.tflite');
  });

  it('--json without --target: every supported target, default esp-nn 1.1.2, model facts', async () => {
    const r = await runCli(['inspect', nabu, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.arena).toMatchObject({ target: 'esp32s3', espNn: '1.1.2', min: 25796 });
    expect(j.arenas.map((a: { target: string; espNn: string; min: number }) => [a.target, a.espNn, a.min])).toEqual([
      ['esp32', '1.1.2', 18660],
      ['esp32s3', '1.1.2', 25796],
      ['esp32s3', '1.2.1', 33764],
      ['esp32s3', '1.2.3', 33796],
    ]);
    expect(j.stride).toBe(3);
    expect(j.inputs[0]).toMatchObject({ type: 'int8', shape: [1, 3, 40] });
    expect(j.outputs[0]).toMatchObject({ type: 'uint8', shape: [1, 1] });
    expect(j.ops.find((o: { name: string }) => o.name === 'CONV_2D')).toMatchObject({ count: 5, supported: true });
    expect(j.variables.count).toBe(6);
    expect(j.variables.items[0]).toMatchObject({ name: 'stream/states', shape: [1, 2, 1, 40], bytes: 80 });
    expect(j.verdict).toMatchObject({ loads: true, reasons: [] });
  });

  it('--arena that suffices: ok with the head pair', async () => {
    const r = await runCli(['inspect', nabu, '--target', 'esp32', '--arena', '18660', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).arena).toMatchObject({ target: 'esp32', min: 18660, ok: true });
    const bad = await runCli(['inspect', nabu, '--target', 'esp32', '--arena', '18659', '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).arena.message).toMatch(/^Too many buffers/);
  });

  it('human output: sections and verdict', async () => {
    const r = await runCli(['inspect', nabu]);
    expect(r.code).toBe(0);
    for (const s of ['Input', 'Output', 'Stride   3', 'DEPTHWISE_CONV_2D', 'stream_4/states', 'esp32s3 (esp-nn 1.2.1)', '33764', 'ESPHome would load this model']) {
      expect(r.stdout).toContain(s);
    }
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it('bad flags are usage errors', async () => {
    expect((await runCli(['inspect', nabu, '--target', 'esp8266'])).stderr).toContain('unknown target chip "esp8266"');
    expect((await runCli(['inspect', nabu, '--esp-nn', '9.9'])).code).toBe(2);
    expect((await runCli(['inspect', nabu, '--arena', 'lots'])).stderr).toContain('--arena must be a whole number of bytes > 0, got "lots"');
    expect((await runCli(['inspect', nabu, '--arena', '0'])).code).toBe(2);
    expect((await runCli(['inspect'])).stderr).toContain('missing MODEL.tflite');
  });

  it('malformed inputs: truncated, wrong identifier, directory, empty, missing', async () => {
    const bytes = readFileSync(nabu);
    const truncated = path.join(dir, 'truncated.tflite');
    writeFileSync(truncated, bytes.subarray(0, 4000));
    const wrongId = path.join(dir, 'wrong-id.tflite');
    const w = Buffer.from(bytes);
    w.write('XXXX', 4, 'latin1');
    writeFileSync(wrongId, w);
    const empty = path.join(dir, 'empty.tflite');
    writeFileSync(empty, '');
    const sub = path.join(dir, 'a-directory.tflite');
    mkdirSync(sub);
    for (const [file, pattern] of [
      [truncated, /truncated|out of range|beyond|outside/i],
      [wrongId, /identifier|TFL3/],
      [empty, /empty/i],
      [sub, /directory/],
      [path.join(dir, 'missing.tflite'), /not found/],
    ] as const) {
      const r = await runCli(['inspect', file]);
      expect(r.code, file).not.toBe(0);
      expect(r.stderr, file).toMatch(pattern);
      expect(r.stderr, file).toContain(file);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('a model with an op ESPHome cannot load: names the op, exit ≠ 0', async () => {
    const { model } = await readModelFile(nabu);
    const i = model.operatorCodes.findIndex((c) => c.builtinCode === BuiltinOp.LOGISTIC);
    model.operatorCodes[i]!.builtinCode = 25; // SOFTMAX
    const file = path.join(dir, 'softmax.tflite');
    writeFileSync(file, writeModel(model));
    const r = await runCli(['inspect', file, '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.ops.find((o: { name: string }) => o.name === 'SOFTMAX')).toMatchObject({ supported: false });
    expect(j.arena).toBeNull();
    expect(j.verdict.reasons[0]).toMatch(/operator SOFTMAX .* not in ESPHome's op resolver/);
    expect(r.stderr).toMatch(/SOFTMAX/);
    const human = await runCli(['inspect', file]);
    expect(human.stdout).toContain("NOT in ESPHome's op resolver");
  });

  it('an int8 model with a float32 input is refused specifically', async () => {
    const { model } = await readModelFile(nabu);
    model.subgraphs[0]!.tensors[model.subgraphs[0]!.inputs[0]!]!.type = 0; // FLOAT32
    const file = path.join(dir, 'float-input.tflite');
    writeFileSync(file, writeModel(model));
    const r = await runCli(['inspect', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/float32 but the model is int8-quantized/);
  });
});
