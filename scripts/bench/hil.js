// Benchmark: HIL streaming against the in-process virtual board (src/hil, compiled to dist/): audio frames per
// second and real-time factor (audio seconds per wall second), without line time (protocol + frontend + runtime
// on both sides) and with the virtual line's byte time at 921600 baud (what a real UART allows).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, SHARED_DIR, report } from './_shared.js';

const { createHilLink, simModelsFromFiles } = await import(path.join(REPO_ROOT, 'dist/hil/virtual.js'));
const { HilSession } = await import(path.join(REPO_ROOT, 'dist/hil/session.js'));
const { hilFile } = await import(path.join(REPO_ROOT, 'dist/hil/run.js'));
const { loadDetectorModel } = await import(path.join(REPO_ROOT, 'dist/detect/pipeline.js'));

const manifest = path.join(SHARED_DIR, 'models', 'okay_nabu.json');
const wav = path.join(SHARED_DIR, 'golden', 'audio', 'negative.wav');
if (!existsSync(manifest) || !existsSync(wav)) {
  console.error(`bench hil: ${manifest} or ${wav} not found (set MWW_SHARED_DIR)`);
  process.exit(1);
}
const models = await simModelsFromFiles([manifest]);
const detector = await loadDetectorModel(manifest);

for (const lineRate of [false, true]) {
  const { link } = createHilLink({ models, lineRate, baudRate: 921600 });
  await link.open();
  const session = new HilSession(link, { timeoutMs: 2000 });
  const runs = lineRate ? 1 : 3;
  let frames = 0;
  let audio = 0;
  let exact = true;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) {
    const r = await hilFile(wav, { session, detector, esphome: '2025', deviceModel: 0 });
    frames += r.framesSent;
    audio += r.durationSeconds;
    exact &&= r.bitExact;
  }
  const wall = (performance.now() - t0) / 1000;
  session.close();
  const label = lineRate ? 'line time at 921600 baud' : 'no line time';
  report('hil', `frames per second (${label})`, Math.round(frames / wall), 'frames/s', { frameSamples: 160, bitExact: exact, note: 'includes the host simulation of each file' });
  report('hil', `real-time factor (${label})`, Math.round((audio / wall) * 100) / 100, 'x', { audioSeconds: audio, wallSeconds: Math.round(wall * 1000) / 1000 });
}
