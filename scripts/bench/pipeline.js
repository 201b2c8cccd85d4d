// Bench: the whole host pipeline of `mww test` — micro frontend + okay_nabu streaming model + ESPHome's
// decision rule — in seconds of audio processed per second of wall time (single thread).
import path from 'node:path';
import { goldenAudio, GOLDEN_CLIPS, report, REPO_ROOT, SHARED_DIR } from './_shared.js';

const dist = (p) => path.join(REPO_ROOT, 'dist', p);
const { computeFeatures } = await import(dist('frontend/index.js'));
const { runStreaming } = await import(dist('micro/interpreter.js'));
const { readModelFile } = await import(dist('tflite/file.js'));
const { simulate } = await import(dist('detect/simulate.js'));

// One long recording, as the device hears a continuous stream.
const audio = await goldenAudio();
if (!audio) throw new Error(`pipeline bench needs ${GOLDEN_CLIPS.join(', ')} under ${path.join(SHARED_DIR, 'golden', 'audio')}`);
const { model } = await readModelFile(path.join(SHARED_DIR, 'models', 'okay_nabu.tflite'));
const seconds = audio.length / 16000;

// Warm-up (JIT), then run until at least 3 s of wall time has passed.
runStreaming(model, computeFeatures(audio).i8);
let audioSeconds = 0;
let frontendMs = 0;
let modelMs = 0;
const t0 = performance.now();
while (performance.now() - t0 < 3000) {
  const a = performance.now();
  const f = computeFeatures(audio);
  const b = performance.now();
  const p = runStreaming(model, f.i8);
  simulate(p, { cutoff: 0.97, window: 5, esphome: '2025', stride: 3, totalSlices: f.slices });
  const c = performance.now();
  frontendMs += b - a;
  modelMs += c - b;
  audioSeconds += seconds;
}
const wall = (frontendMs + modelMs) / 1000;
report('pipeline', 'frontend+okay_nabu audio seconds per second', Number((audioSeconds / wall).toFixed(1)), 'x realtime', {
  audioSeconds: Number(audioSeconds.toFixed(1)),
  frontendShare: Number((frontendMs / (frontendMs + modelMs)).toFixed(3)),
  threads: 1,
});
