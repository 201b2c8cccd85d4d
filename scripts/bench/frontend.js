// Bench: the micro frontend alone (src/frontend, compiled to dist/), in seconds of audio processed per second.
// Target from issue 3: at least half of TFLM's C library on this machine (which does about 750 s/s), i.e. 375 s/s.
// Reports wall-clock throughput (the number the target is about) and CPU-time throughput (stable when other
// processes share the machine).
import path from 'node:path';
import { goldenAudio, report, REPO_ROOT } from './_shared.js';

const { MicroFrontend, computeFeatures } = await import(path.join(REPO_ROOT, 'dist', 'frontend', 'index.js'));

// The reference recordings back to back; a deterministic noise-and-tone signal when ../shared is missing.
let audio = await goldenAudio();
if (!audio) {
  audio = new Int16Array(16000 * 15);
  let s = 1;
  for (let i = 0; i < audio.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    audio[i] = Math.round(3000 * Math.sin(i / 7) + ((s >>> 16) % 2000) - 1000);
  }
}
const seconds = audio.length / 16000;
const frontend = new MicroFrontend();

// Warm-up (JIT), then run until at least 3 s of wall time has passed.
for (let i = 0; i < 5; i++) {
  frontend.reset();
  computeFeatures(audio, frontend);
}
let audioSeconds = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
while (performance.now() - t0 < 3000) {
  frontend.reset();
  computeFeatures(audio, frontend);
  audioSeconds += seconds;
}
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
report('frontend', 'audio_seconds_per_second', Math.round(audioSeconds / wall), 's/s', {
  cpu_audio_seconds_per_second: Math.round(audioSeconds / cpuSeconds),
  target: 375,
  audio_seconds: Number(seconds.toFixed(2)),
});
