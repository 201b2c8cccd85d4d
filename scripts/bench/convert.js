// Convert time of the shared fixture (TensorFlow's pipeline takes about 7.5 s wall for the same work).
import path from 'node:path';
import { existsSync } from 'node:fs';
import { REPO_ROOT, SHARED_DIR, report } from './_shared.js';

const fixture = path.join(SHARED_DIR, 'golden', 'fixture_okay_nabu_v2');
if (!existsSync(fixture)) {
  console.error(`convert bench: ${fixture} missing, skipped`);
  process.exit(0);
}
const { convertCheckpoint } = await import(path.join(REPO_ROOT, 'dist', 'convert', 'index.js'));
const opts = { source: fixture, calibration: [path.join(fixture, 'rep_dataset.f32')] };
await convertCheckpoint(opts); // warm-up (JIT, h5wasm instantiation)
const runs = [];
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  await convertCheckpoint(opts);
  runs.push(performance.now() - t0);
}
runs.sort((a, b) => a - b);
report('convert', 'fixture_okay_nabu_v2_wall', Math.round(runs[1]), 'ms', { runs: runs.map(Math.round), tensorflow_reference_ms: 7500 });
