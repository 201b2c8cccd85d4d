// Benchmark: okay_nabu invokes per second on the host runtime (src/micro, compiled to dist/).
// Target from issue 2: at least TFLM's own reference kernels on this machine, about 5,300 invokes/s.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, SHARED_DIR, report } from './_shared.js';

const { MicroInterpreter } = await import(path.join(REPO_ROOT, 'dist/micro/interpreter.js'));
const { readModel } = await import(path.join(REPO_ROOT, 'dist/tflite/reader.js'));

const modelPath = path.join(SHARED_DIR, 'models', 'okay_nabu.tflite');
if (!existsSync(modelPath)) {
  console.error(`bench runtime: ${modelPath} not found (set MWW_SHARED_DIR)`);
  process.exit(1);
}
const model = readModel(new Uint8Array(readFileSync(modelPath)), modelPath);
const interpreter = MicroInterpreter.create(model, { source: modelPath });
const frame = interpreter.stride * 40;

// Real features when available (a recording of the wake word), else a deterministic pseudo-random stream.
const featPath = path.join(SHARED_DIR, 'golden', 'audio', 'okay_nabu.features.i8');
let features;
if (existsSync(featPath)) {
  features = new Int8Array(readFileSync(featPath));
} else {
  features = new Int8Array(frame * 512);
  let s = 1;
  for (let i = 0; i < features.length; i++) features[i] = ((s = (s * 1103515245 + 12345) >>> 0) >>> 24) - 128;
}
// One view per frame, made before timing: the loop measures invokes, not subarray allocation.
const frames = Array.from({ length: Math.floor(features.length / frame) }, (_, k) => features.subarray(k * frame, (k + 1) * frame));

function run(invokes) {
  for (let i = 0; i < invokes; i++) interpreter.invoke(frames[i % frames.length]);
}

run(3000); // warm up the JIT
const invokes = 30000;
const t0 = process.hrtime.bigint();
run(invokes);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const perSecond = invokes / seconds;
report('runtime', 'okay_nabu_invokes_per_s', Math.round(perSecond), 'invokes/s', {
  invokes,
  seconds: Number(seconds.toFixed(3)),
  target: 5300,
  audio_seconds_per_wall_second: Number(((perSecond * interpreter.stride * 0.01)).toFixed(1)),
});
