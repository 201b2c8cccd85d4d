/**
 * `mww convert X.weights.h5` with the model flags given as command-line options and no --config: the options
 * are honoured (inference from the weight shapes only fills in what they leave out), the output says where each
 * flag came from, and the model is the one converting with --config gives — which golden.test.ts checks against
 * TensorFlow — and it gives TFLM's golden probe outputs. Flags that contradict the weights give specific errors.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { runCli } from '../helpers/cli.js';
import { PROBE_SEED, probeInput } from '../helpers/probe.js';
import { loadTrainingConfig, MIXEDNET_FLAG_NAMES } from '../../src/convert/config.js';
import { readModel } from '../../src/tflite/reader.js';
import { MicroInterpreter } from '../../src/micro/interpreter.js';
import { convertCheckpoint } from '../../src/convert/index.js';
import { SMALL_MIXEDNET, writeFixture } from './fixtures.js';

/** The model flags of a training_config.yaml as `--flag value` options (training_input_shape → --spectrogram-length). */
async function flagsAsOptions(configPath: string): Promise<string[]> {
  const cfg = await loadTrainingConfig(configPath);
  const args: string[] = [];
  for (const name of MIXEDNET_FLAG_NAMES) {
    const value = name === 'spectrogram_length' ? cfg.spectrogramLength : cfg.flags[name];
    if (value !== undefined) args.push(`--${name.replace(/_/g, '-')}`, String(value));
  }
  return args;
}

describeShared('mww convert: model flags given as options, without --config', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'mww-flag-options-'));
  });

  const convert = async (args: string[]) => {
    const out = path.join(tmp, `out-${Math.random().toString(36).slice(2)}.tflite`);
    const r = await runCli(['convert', ...args, '--output', out]);
    return { ...r, out };
  };

  for (const variant of ['resid', 'spatial']) {
    it(`converts variants/${variant} from its flags as options exactly as with --config, and gives TFLM's probe outputs`, async () => {
      const dir = sharedPath('golden', 'variants', variant);
      const h5 = path.join(dir, 'checkpoint.weights.h5');
      const rep = path.join(dir, 'rep_dataset.f32');
      const options = await flagsAsOptions(path.join(dir, 'training_config.yaml'));
      expect(options).toContain('--model-name');
      const viaOptions = await convert([h5, ...options, '--calibration', rep]);
      expect(viaOptions.code, viaOptions.stderr).toBe(0);
      const viaConfig = await convert([h5, '--config', path.join(dir, 'training_config.yaml'), '--calibration', rep]);
      expect(viaConfig.code, viaConfig.stderr).toBe(0);
      // Byte-identical files: the same int8 weights, int32 biases, quantization parameters and graph.
      expect(Buffer.from(readFileSync(viaOptions.out)).equals(readFileSync(viaConfig.out))).toBe(true);
      const probe = JSON.parse(readFileSync(path.join(dir, 'probe_io.json'), 'utf8'));
      const expected: number[] = probe.outputs_uint8;
      const input = probeInput(PROBE_SEED, expected.length * 120);
      const interp = MicroInterpreter.create(readModel(new Uint8Array(readFileSync(viaOptions.out))));
      expect(expected.map((_, i) => interp.invoke(input.subarray(i * 120, (i + 1) * 120)))).toEqual(expected);
      // Every flag came from the options; nothing was inferred or defaulted.
      expect(viaOptions.stdout).toContain(`flags: from options: ${MIXEDNET_FLAG_NAMES.join(', ')}\n`);
      expect(viaConfig.stdout).toContain(`flags: from the config: ${MIXEDNET_FLAG_NAMES.join(', ')}\n`);
    }, 60_000);
  }

  it('merges a partial set of options with what the weights show, saying which flag came from where', async () => {
    const dir = sharedPath('golden', 'variants', 'resid');
    const h5 = path.join(dir, 'checkpoint.weights.h5');
    const rep = path.join(dir, 'rep_dataset.f32');
    const partial = await convert([h5, '--residual-connection', '0,1,1,1', '--spectrogram-length', '204', '--calibration', rep, '--json']);
    expect(partial.code, partial.stderr).toBe(0);
    const viaConfig = await convert([h5, '--config', path.join(dir, 'training_config.yaml'), '--calibration', rep]);
    expect(Buffer.from(readFileSync(partial.out)).equals(readFileSync(viaConfig.out))).toBe(true);
    const report = JSON.parse(partial.stdout);
    expect(report.flagSources).toEqual({
      model_name: 'weights',
      first_conv_filters: 'weights',
      first_conv_kernel_size: 'weights',
      stride: 'default',
      pointwise_filters: 'weights',
      repeat_in_block: 'default',
      mixconv_kernel_sizes: 'weights',
      residual_connection: 'option',
      spatial_attention: 'weights',
      pooled: 'default',
      max_pool: 'default',
      spectrogram_length: 'option',
    });
    // The yaml's values, read off the shapes.
    expect(report.flags).toMatchObject({ firstConvFilters: 32, firstConvKernelSize: 5, pointwiseFilters: [64, 64, 64, 64], mixconvKernelSizes: [[5], [7, 11], [9, 15], [23]], residualConnection: [0, 1, 1, 1] });
    expect(report.notes.join('\n')).toMatch(/stride 3 assumed/);
    expect(report.notes.join('\n')).toMatch(/repeat_in_block 1, no pooling assumed/);
    const human = await convert([h5, '--residual-connection', '0,1,1,1', '--spectrogram-length', '204', '--calibration', rep]);
    expect(human.stdout).toContain(
      '  flags: from options: residual_connection, spectrogram_length; from the weights: model_name, first_conv_filters, first_conv_kernel_size, pointwise_filters, mixconv_kernel_sizes, spatial_attention; defaults: stride, repeat_in_block, pooled, max_pool\n',
    );
  }, 60_000);

  it('names the unused layer when the options leave out a residual connection the weights have', async () => {
    const dir = sharedPath('golden', 'variants', 'resid');
    const options = (await flagsAsOptions(path.join(dir, 'training_config.yaml'))).map((a) => (a === '0,1,1,1' ? '0,1,1,0' : a));
    expect(options).toContain('0,1,1,0');
    const r = await convert([path.join(dir, 'checkpoint.weights.h5'), ...options, '--calibration', path.join(dir, 'rep_dataset.f32')]);
    expect(r.code).not.toBe(0);
    // Block 3's residual 1×1 convolution and its batch norm are left over.
    expect(r.stderr).toMatch(/the flags do not match the weights: layer\(s\) \/layers\/batch_normalization_6 \(batch_normalization_6, shape \[64\]\), \/layers\/conv2d_6 \(conv2d_7, shape \[1,1,64,64\]\) not used/);
  }, 30_000);

  it('names the layer and the residual_connection option when inference from the rest cannot fit it', async () => {
    const dir = sharedPath('golden', 'variants', 'resid');
    const r = await convert([path.join(dir, 'checkpoint.weights.h5'), '--residual-connection', '1,0,0,0', '--calibration', path.join(dir, 'rep_dataset.f32')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/residual_connection 1,0,0,0 \(given\)/);
    expect(r.stderr).toMatch(/\/layers\/conv2d_\d+ \(conv2d_\d+, the pointwise convolution of block \d\) have \d+ channels, its kernel expects \d+/);
  }, 30_000);

  it('without options, says residual connections were assumed absent and how to give them', async () => {
    const dir = sharedPath('golden', 'variants', 'resid');
    const r = await convert([path.join(dir, 'checkpoint.weights.h5'), '--calibration', path.join(dir, 'rep_dataset.f32')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/residual_connection none \(assumed\).*--residual-connection/);
  }, 30_000);

  it('refuses the spatial-attention checkpoint converted with --spatial-attention 0, naming the Dense kernel that no longer fits', async () => {
    const dir = sharedPath('golden', 'variants', 'spatial');
    const options = (await flagsAsOptions(path.join(dir, 'training_config.yaml'))).map((a, i, all) => (all[i - 1] === '--spatial-attention' ? '0' : a));
    const r = await convert([path.join(dir, 'checkpoint.weights.h5'), ...options, '--calibration', path.join(dir, 'rep_dataset.f32')]);
    expect(r.code).not.toBe(0);
    // Without attention's 4-frame convolution the head keeps all 17 frames of 64 channels, not 14.
    expect(r.stderr).toMatch(/wrong shape at \/layers\/dense\/vars\/0 \(Dense kernel of layer dense\): expected \[1088,1\], found \[896,1\]; the flags do not match the weights/);
  }, 30_000);
}, ['golden']);

describe('flags as options on generated checkpoints with repeated blocks', () => {
  // Repeats and residual connections cannot be told from the shapes alone: given as options, the walk over the
  // checkpoint's layers follows them and infers the rest (kernels, filters, first conv).
  const cases = [
    { name: 'repeat', flags: { ...SMALL_MIXEDNET, repeat_in_block: '2,1' }, options: { repeat_in_block: '2,1' } },
    { name: 'repeat-residual', flags: { ...SMALL_MIXEDNET, repeat_in_block: '2,2', residual_connection: '1,1', mixconv_kernel_sizes: '[3], [5,7]' }, options: { repeat_in_block: '2,2', residual_connection: '1,1' } },
  ];
  for (const c of cases) {
    it(`converts the ${c.name} fixture's weights with only ${Object.keys(c.options).join(' and ')} given, as with its config`, async () => {
      const dir = await writeFixture(`options-${c.name}`, { flags: c.flags, spectrogramLength: 70 });
      const withConfig = await convertCheckpoint({ source: dir, calibration: ['synthetic'] });
      const withOptions = await convertCheckpoint({ source: path.join(dir, 'best_weights.weights.h5'), calibration: ['synthetic'], flags: { ...c.options, spectrogram_length: 70 } });
      expect(withOptions.report.flags).toEqual(withConfig.report.flags);
      expect(Buffer.from(withOptions.tflite).equals(Buffer.from(withConfig.tflite))).toBe(true);
      for (const name of Object.keys(c.options)) expect(withOptions.report.flagSources![name]).toBe('option');
      expect(withOptions.report.flagSources!.mixconv_kernel_sizes).toBe('weights');
    }, 30_000);
  }
  it('converts an Inception checkpoint from its flags as options (stride 1, Inception\'s own, by default), as with its config', async () => {
    const inception = { model_name: 'inception', cnn1_filters: '4', cnn1_kernel_sizes: '3', cnn1_subspectral_groups: '2', cnn2_filters1: '4', cnn2_filters2: '6', cnn2_kernel_sizes: '3', cnn2_subspectral_groups: '1', cnn2_dilation: '1' };
    const dir = await writeFixture('options-inception', { flags: { ...inception, stride: 1 }, spectrogramLength: 20 });
    const withConfig = await convertCheckpoint({ source: dir, calibration: ['synthetic'] });
    const withOptions = await convertCheckpoint({ source: path.join(dir, 'best_weights.weights.h5'), calibration: ['synthetic'], flags: { ...inception, spectrogram_length: 20 } });
    expect(Buffer.from(withOptions.tflite).equals(Buffer.from(withConfig.tflite))).toBe(true);
    expect(withOptions.report.flagSources).toMatchObject({ model_name: 'option', stride: 'default', cnn2_filters2: 'option' });
    // Without its flags, Inception's hyper-parameters are not guessed: the weights are checked against inception.py's defaults.
    await expect(convertCheckpoint({ source: path.join(dir, 'best_weights.weights.h5'), calibration: ['synthetic'], flags: { model_name: 'inception' } })).rejects.toThrow(/wrong shape at \/layers\/stream\/cell\/vars\/0/);
  });
  it('refuses a bad option before reading the weights', async () => {
    // Not an HDF5 file: reading it would fail with its own error, so these errors prove the options came first.
    const h5 = path.join(mkdtempSync(path.join(tmpdir(), 'mww-bad-option-')), 'garbage.weights.h5');
    writeFileSync(h5, 'not hdf5');
    await expect(convertCheckpoint({ source: h5, calibration: ['synthetic'] })).rejects.toThrow(/not an HDF5 file/);
    await expect(convertCheckpoint({ source: h5, calibration: ['synthetic'], flags: { model_name: 'resnet' } })).rejects.toThrow(/unknown model_name "resnet"/);
    await expect(convertCheckpoint({ source: h5, calibration: ['synthetic'], flags: { pointwise_filters: '8,x' } })).rejects.toThrow(/flag pointwise_filters: cannot parse/);
  });
  it('refuses repeats the weights do not have, naming the repeat and the kernels found', async () => {
    const dir = await writeFixture('options-repeat-mismatch', { flags: { ...SMALL_MIXEDNET, mixconv_kernel_sizes: '[3], [5,7]' }, spectrogramLength: 40 });
    await expect(convertCheckpoint({ source: path.join(dir, 'best_weights.weights.h5'), calibration: ['synthetic'], flags: { repeat_in_block: '2,1' } })).rejects.toThrow(
      /repeat 1 of block 0 has depthwise kernels \[5,7\], repeat 0 had \[3\]; residual_connection none \(assumed\), repeat_in_block 2,1 \(given\)/,
    );
  });
});
