import { readFileSync, readdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { MicroInterpreter, runStreaming } from '../../src/micro/interpreter.js';
import { readModel } from '../../src/tflite/reader.js';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { PROBE_SEED, probeInput } from '../helpers/probe.js';

const loadModel = (path: string) => readModel(new Uint8Array(readFileSync(path)), path);

describeShared('runtime: golden/runtime outputs byte for byte', () => {
  const files = readdirSync(sharedPath('golden', 'runtime')).filter((f) => f.endsWith('.u8'));
  it('has golden files', () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    it(file, () => {
      const [wav, model] = file.replace(/\.u8$/, '').split('__') as [string, string];
      const features = new Int8Array(readFileSync(sharedPath('golden', 'audio', `${wav}.features.i8`)));
      const expected = new Uint8Array(readFileSync(sharedPath('golden', 'runtime', file)));
      const got = runStreaming(loadModel(sharedPath('models', `${model}.tflite`)), features);
      expect(got.length).toBe(expected.length);
      expect(Buffer.from(got).equals(Buffer.from(expected))).toBe(true);
    });
  }
});

describeShared('runtime: fixture probe (TFLM outputs)', () => {
  it('golden.tflite matches outputs_uint8_tflm', () => {
    const probe = JSON.parse(readFileSync(sharedPath('golden', 'fixture_okay_nabu_v2', 'probe_io.json'), 'utf8')) as { outputs_uint8_tflm: number[] };
    const n = probe.outputs_uint8_tflm.length;
    const got = runStreaming(loadModel(sharedPath('golden', 'fixture_okay_nabu_v2', 'golden.tflite')), probeInput(PROBE_SEED, n * 120));
    expect(Array.from(got)).toEqual(probe.outputs_uint8_tflm);
  });
});

describeShared('runtime: variant probes (ADD, MUL, AVERAGE_POOL_2D, MAX_POOL_2D)', () => {
  for (const variant of ['resid', 'spatial']) {
    it(`${variant}: 64-invoke probe and the 256-invoke continuation`, () => {
      const dir = sharedPath('golden', 'variants', variant);
      const probe = JSON.parse(readFileSync(`${dir}/probe_io.json`, 'utf8')) as {
        input_shape: number[];
        outputs_uint8: number[];
        long: { outputs_uint8: number[] };
      };
      const frame = probe.input_shape.reduce((a, b) => a * b, 1);
      const longN = probe.long.outputs_uint8.length;
      const input = probeInput(PROBE_SEED, longN * frame);
      const interp = MicroInterpreter.create(loadModel(`${dir}/golden.tflite`));
      const got: number[] = [];
      for (let i = 0; i < longN; i++) got.push(interp.invoke(input.subarray(i * frame, (i + 1) * frame)));
      expect(got.slice(0, probe.outputs_uint8.length)).toEqual(probe.outputs_uint8);
      expect(got).toEqual(probe.long.outputs_uint8);
    });
  }
});
