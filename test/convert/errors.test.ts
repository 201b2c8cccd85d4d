/** Bad inputs give specific errors (h5 path, layer, expected vs found) and nothing is written. */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { runCli } from '../helpers/cli.js';
import { readKerasWeights } from '../../src/convert/h5.js';
import { opCounts } from '../../src/tflite/ops.js';
import { readModel } from '../../src/tflite/reader.js';
import { TensorType, type TfliteModel } from '../../src/tflite/model.js';

describeShared('mww convert: bad checkpoints', () => {
  let tmp: string;
  let fixture: string;
  let rep: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'mww-convert-'));
    fixture = sharedPath('golden', 'fixture_okay_nabu_v2');
    rep = path.join(fixture, 'rep_dataset.f32');
  });

  const convert = async (args: string[]) => {
    const out = path.join(tmp, `out-${Math.random().toString(36).slice(2)}.tflite`);
    const r = await runCli(['convert', ...args, '--output', out]);
    return { ...r, written: existsSync(out), out };
  };

  it('converts the fixture training directory from the CLI, printing ops, variables and arena', async () => {
    const r = await convert([fixture, '--calibration', rep]);
    expect(r.code).toBe(0);
    expect(r.written).toBe(true);
    // The counts TensorFlow's model has: its operators, and one init-subgraph VAR_HANDLE + ASSIGN per variable.
    const golden = readModel(new Uint8Array(readFileSync(path.join(fixture, 'golden.tflite'))));
    expect(r.stdout).toContain(`ops (${golden.subgraphs[0]!.operators.length})`);
    expect(r.stdout).toContain(`state variables (${golden.subgraphs[1]!.operators.length / 2})`);
    expect(r.stdout).toMatch(/arena esp32s3/);
  }, 30_000);

  it('refuses to run without calibration data and says why', async () => {
    const r = await convert([fixture]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/activation ranges/);
    expect(r.written).toBe(false);
  });

  it('names the h5 path, layer and shapes when the flags do not match the weights', async () => {
    const r = await convert([path.join(fixture, 'checkpoint.weights.h5'), '--config', path.join(fixture, 'training_config.yaml'), '--pointwise-filters', '48,64,64,64', '--calibration', rep]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\/layers\/conv2d\/vars\/0/);
    expect(r.stderr).toMatch(/expected \[1,1,32,48\], found \[1,1,32,64\]/);
    expect(r.written).toBe(false);
  });

  it('reports a missing layer', async () => {
    const r = await convert([path.join(fixture, 'checkpoint.weights.h5'), '--config', path.join(fixture, 'training_config.yaml'), '--pointwise-filters', '64,64,64,64,64', '--repeat-in-block', '1,1,1,1,1', '--residual-connection', '0,0,0,0,0', '--mixconv-kernel-sizes', '[5],[7,11],[9,15],[23],[3]', '--calibration', rep]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/missing layer.*depthwise_conv2d/);
    expect(r.written).toBe(false);
  });

  it('refuses an unknown model_name before any work', async () => {
    const r = await convert([path.join(fixture, 'checkpoint.weights.h5'), '--config', path.join(fixture, 'training_config.yaml'), '--model-name', 'resnet', '--calibration', rep]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown model_name "resnet"/);
    expect(r.written).toBe(false);
  });

  it('rejects a truncated h5 file', async () => {
    const bytes = readFileSync(path.join(fixture, 'checkpoint.weights.h5'));
    const bad = path.join(tmp, 'truncated.weights.h5');
    writeFileSync(bad, bytes.subarray(0, bytes.length >> 1));
    const r = await convert([bad, '--config', path.join(fixture, 'training_config.yaml'), '--calibration', rep]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/truncated/);
    expect(r.written).toBe(false);
  });

  it('rejects NaN weights naming the dataset', async () => {
    const src = path.join(fixture, 'checkpoint.weights.h5');
    const w = await readKerasWeights(src);
    const bias = w.layers.get('dense')!.vars[1]!;
    const bytes = Buffer.from(readFileSync(src));
    const pattern = Buffer.from(new Uint8Array(bias.data.buffer, bias.data.byteOffset, 4));
    const at = bytes.indexOf(pattern);
    expect(at).toBeGreaterThan(0);
    bytes.writeUInt32LE(0x7fc00000, at);
    const bad = path.join(tmp, 'nan.weights.h5');
    writeFileSync(bad, bytes);
    const r = await convert([bad, '--config', path.join(fixture, 'training_config.yaml'), '--calibration', rep]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\/layers\/dense\/vars\/1.*NaN/);
    expect(r.written).toBe(false);
  });

  it('infers the architecture from the weights alone (stride 3 stated)', async () => {
    const h5 = path.join(tmp, 'only.weights.h5');
    copyFileSync(path.join(fixture, 'checkpoint.weights.h5'), h5);
    const r = await convert([h5, '--calibration', rep, '--spectrogram-length', '171']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/stride 3 assumed/);
    // The inferred architecture is the fixture's: TensorFlow's operators and its int8 weights, tensor for tensor.
    const golden = readModel(new Uint8Array(readFileSync(path.join(fixture, 'golden.tflite'))));
    const mine = readModel(new Uint8Array(readFileSync(r.out)));
    expect(opCounts(mine)).toEqual(opCounts(golden));
    const int8Weights = (m: TfliteModel) =>
      m.subgraphs[0]!.tensors.filter((t) => t.type === TensorType.INT8 && (m.buffers[t.buffer]?.length ?? 0) > 0).map((t) => Buffer.from(m.buffers[t.buffer]!).toString('hex')).sort();
    expect(int8Weights(mine)).toEqual(int8Weights(golden));
  }, 30_000);
}, ['golden']);
