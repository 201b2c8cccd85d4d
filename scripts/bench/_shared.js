// Helpers for bench scripts: where ../shared is, the golden audio, and the JSON-line format every bench prints.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DIR = path.resolve(process.env.MWW_SHARED_DIR ?? path.join(REPO_ROOT, '..', 'shared'));

/** Print one benchmark result as a JSON line. */
export function report(bench, metric, value, unit, extra = {}) {
  console.log(JSON.stringify({ bench, metric, value, unit, ...extra }));
}

/** The reference recordings of ../shared/golden/audio (speech, a sentence, silence), in playing order. */
export const GOLDEN_CLIPS = ['okay_nabu', 'hey_jarvis', 'negative', 'silence'];

/**
 * The golden recordings back to back as one 16 kHz stream (as the device hears a continuous stream), read with
 * the compiled readWav from dist/; null when any of them is missing.
 */
export async function goldenAudio() {
  const files = GOLDEN_CLIPS.map((n) => path.join(SHARED_DIR, 'golden', 'audio', `${n}.wav`));
  if (!files.every((f) => existsSync(f))) return null;
  const { readWav } = await import(path.join(REPO_ROOT, 'dist', 'audio', 'wav.js'));
  const clips = [];
  for (const f of files) clips.push((await readWav(f)).samples);
  const audio = new Int16Array(clips.reduce((s, c) => s + c.length, 0));
  let off = 0;
  for (const c of clips) {
    audio.set(c, off);
    off += c.length;
  }
  return audio;
}
