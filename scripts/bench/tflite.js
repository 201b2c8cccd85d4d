// TFLite format module: time to read (decode + check) and write okay_nabu. Target: reading well under 5 ms.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, SHARED_DIR, report } from './_shared.js';

const { readModel } = await import(path.join(REPO_ROOT, 'dist', 'tflite', 'reader.js'));
const { writeModel } = await import(path.join(REPO_ROOT, 'dist', 'tflite', 'writer.js'));

const bytes = new Uint8Array(readFileSync(path.join(SHARED_DIR, 'models', 'okay_nabu.tflite')));

function timeMs(fn, iterations) {
  for (let i = 0; i < 20; i++) fn(); // warm up the JIT
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return (performance.now() - t0) / iterations;
}

const coldT0 = performance.now();
const model = readModel(bytes, 'okay_nabu.tflite');
report('tflite', 'read_okay_nabu_first', +(performance.now() - coldT0).toFixed(3), 'ms');
report('tflite', 'read_okay_nabu', +timeMs(() => readModel(bytes, 'okay_nabu.tflite'), 200).toFixed(3), 'ms', { target: '< 5' });
report('tflite', 'write_okay_nabu', +timeMs(() => writeModel(model), 100).toFixed(3), 'ms');
