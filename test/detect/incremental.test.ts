import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { StreamingDetector, simulate, type Detection, type EsphomeRule, type VadBlock } from '../../src/detect/index.js';

/**
 * The incremental detector (what the HIL virtual board runs live) against simulate() (what `mww test`/`eval`/
 * `hil` report) on TFLM's golden per-invoke outputs: every shared model × WAV, both ESPHome rules, the manifest
 * cutoff and lower ones (so detections and resets actually happen), with and without the golden VAD outputs.
 * The detector is driven as a device drives it — one feature slice at a time, an output whenever a model's
 * input fills — and every outcome must name the slice on which it was returned (it decides live, not later).
 */
const WAVS = ['okay_nabu', 'hey_jarvis', 'negative', 'silence'];
const MODELS = ['okay_nabu', 'hey_jarvis'];
const RULES: EsphomeRule[] = ['2024.11', '2025'];
const STRIDE = 3; // both shared models and the VAD take 3 slices per invoke (golden/README.md, runtime/)

const u8 = (wav: string, model: string): Uint8Array => new Uint8Array(readFileSync(sharedPath('golden', 'runtime', `${wav}__${model}.u8`)));
const manifest = (model: string): { cutoff: number; window: number } => {
  const m = JSON.parse(readFileSync(sharedPath('models', `${model}.json`), 'utf8')).micro;
  return { cutoff: m.probability_cutoff, window: m.sliding_window_size };
};

/** Feed the detector live: slices counted as the frontend produces them, an output each time an input fills. */
function live(probabilities: Uint8Array, totalSlices: number, det: StreamingDetector, vad?: Uint8Array): { detections: Detection[]; vadBlocked: VadBlock[] } {
  const detections: Detection[] = [];
  const vadBlocked: VadBlock[] = [];
  let filled = 0;
  let vadFilled = 0;
  let next = 0;
  let vadNext = 0;
  for (let s = 1; s <= totalSlices; s++) {
    let p: number | undefined;
    let v: number | undefined;
    if (++filled === STRIDE) {
      filled = 0;
      if (next < probabilities.length) p = probabilities[next++];
    }
    if (vad && ++vadFilled === STRIDE) {
      vadFilled = 0;
      if (vadNext < vad.length) v = vad[vadNext++];
    }
    const out = det.slice(p, v);
    if (out?.detection) {
      expect(out.detection.slice).toBe(s);
      detections.push(out.detection);
    } else if (out?.vadBlocked) {
      expect(out.vadBlocked.slice).toBe(s);
      vadBlocked.push(out.vadBlocked);
    }
  }
  expect(next).toBe(probabilities.length);
  return { detections, vadBlocked };
}

describeShared('StreamingDetector equals simulate() on the golden runtime outputs', () => {
  it('every model × WAV × rule × cutoff, without and with VAD gating', () => {
    const vadSettings = { ...manifest('vad'), stride: STRIDE };
    let detectionsSeen = 0;
    let blockedSeen = 0;
    let comparisons = 0;
    for (const model of MODELS) {
      const { cutoff: manifestCutoff, window } = manifest(model);
      for (const wav of WAVS) {
        const probabilities = u8(wav, model);
        // The VAD's golden outputs on this recording, and those on silence (a VAD that blocks the detections).
        const vadStreams = { own: u8(wav, 'vad'), silence: u8('silence', 'vad') };
        const totalSlices = readFileSync(sharedPath('golden', 'audio', `${wav}.features.i8`)).length / 40;
        expect(Math.floor(totalSlices / STRIDE)).toBe(probabilities.length);
        for (const esphome of RULES) {
          for (const cutoff of [manifestCutoff, 0.5, 0.2, 0.05]) {
            for (const vadSource of [undefined, 'own', 'silence'] as const) {
              const vadProbabilities = vadSource && vadStreams[vadSource];
              const vad = vadProbabilities && { ...vadSettings, probabilities: vadProbabilities };
              const opts = { cutoff, window, esphome, stride: STRIDE, totalSlices, vad };
              const replay = simulate(probabilities, opts);
              const det = new StreamingDetector(opts);
              const got = live(probabilities, totalSlices, det, vadProbabilities);
              const what = `${model} on ${wav}, ESPHome ${esphome}, cutoff ${cutoff}${vadSource ? `, VAD outputs on ${vadSource}` : ''}`;
              expect(got.detections, what).toEqual(replay.detections);
              expect(got.vadBlocked, what).toEqual(replay.vadBlocked);
              expect(det.maxAverage, what).toBe(replay.maxAverage);
              expect(det.maxProbabilityU8 / 255, what).toBe(replay.maxProbability);
              expect(det.slices).toBe(totalSlices);
              detectionsSeen += got.detections.length;
              blockedSeen += got.vadBlocked.length;
              comparisons++;
            }
          }
        }
      }
    }
    expect(comparisons).toBe(MODELS.length * WAVS.length * RULES.length * 4 * 3);
    // Not a vacuous comparison: the rules fired (and reset) many times, and the VAD gated some detections.
    expect(detectionsSeen).toBeGreaterThan(20);
    expect(blockedSeen).toBeGreaterThan(0);
  });

  it('the wake word fires on its own recording at the manifest cutoff under both rules', () => {
    for (const model of MODELS) {
      for (const esphome of RULES) {
        const det = new StreamingDetector({ ...manifest(model), esphome, stride: STRIDE });
        const got = live(u8(model, model), Math.floor(readFileSync(sharedPath('golden', 'audio', `${model}.features.i8`)).length / 40), det);
        expect(got.detections.length, `${model}, ${esphome}`).toBeGreaterThan(0);
      }
    }
  });

  it('refuses an output on a slice that does not complete an invoke', () => {
    const det = new StreamingDetector({ cutoff: 0.5, window: 5, esphome: '2025', stride: 3 });
    expect(() => det.slice(200)).toThrow(/slice 1: a model output arrives only on a slice that completes an invoke \(every 3 slices/);
  });
});
