import { existsSync } from 'node:fs';
import path from 'node:path';
import { MwwError } from '../errors.js';
import { listWavs, readWav } from '../audio/wav.js';
import { computeFeatures } from '../frontend/index.js';
import { MicroInterpreter, invokeStream } from '../micro/interpreter.js';
import { readModelFile } from '../tflite/file.js';
import type { TfliteModel } from '../tflite/model.js';
import { loadManifest, type LoadedManifest } from '../manifest/manifest.js';
import type { ScoredClip } from './evaluate.js';
import { DEFAULT_CUTOFF, DEFAULT_FEATURE_STEP_MS, DEFAULT_WINDOW, type EsphomeRule } from './rules.js';
import { DETECTION_TIME_CONVENTION, simulate, slidingAverages, type VadBlock } from './simulate.js';

/**
 * The host pipeline behind `mww test` and `mww eval`: WAV → micro frontend (as on the device) →
 * streaming model (bit-exact TFLM runtime) → ESPHome's decision rule.
 */

export { DEFAULT_CUTOFF, DEFAULT_WINDOW };

export interface DetectorModel {
  wakeWord: string;
  model: TfliteModel;
  modelPath: string;
  manifestPath?: string;
  cutoff: number;
  window: number;
  featureStepMs: number;
  /** Feature slices per invoke (input dim 1). */
  stride: number;
  /** Where cutoff and window came from, for the output. */
  settingsFrom: string;
  notes: string[];
}

/**
 * Load a model given as a manifest (.json) or a bare .tflite. For a .tflite, the manifest beside it with the
 * same base name is used when it names this file; otherwise cutoff/window default to 0.97/5. The --cutoff and
 * --window overrides arrive checked by the command line (src/cli/args.ts); simulate() refuses impossible ones.
 */
export async function loadDetectorModel(file: string, o: { cutoff?: number; window?: number } = {}): Promise<DetectorModel> {
  const notes: string[] = [];
  let manifestPath: string | undefined;
  let loaded: LoadedManifest | undefined;
  let modelPath = file;
  let wakeWord = path.basename(file).replace(/\.(tflite|json)$/i, '');
  let cutoff: number | undefined;
  let window: number | undefined;
  let featureStepMs = DEFAULT_FEATURE_STEP_MS;
  let settingsFrom: string;

  if (/\.json$/i.test(file)) {
    manifestPath = file;
    loaded = await loadManifest(file);
  } else {
    const beside = file.replace(/\.tflite$/i, '') + '.json';
    if (beside !== file && existsSync(beside)) {
      try {
        const probe = await loadManifest(beside);
        if (path.resolve(probe.modelPath) === path.resolve(file)) {
          manifestPath = beside;
          loaded = probe;
        } else notes.push(`${beside} names a different model (${probe.manifest.model}); not used`);
      } catch (e) {
        if (!(e instanceof MwwError)) throw e;
        notes.push(`manifest beside the model not used: ${e.message}`);
      }
    }
  }
  if (loaded) {
    const m = loaded;
    notes.push(...m.notes);
    modelPath = m.modelPath;
    wakeWord = m.manifest.wake_word;
    cutoff = m.manifest.micro.probability_cutoff;
    window = m.manifest.micro.sliding_window_size;
    featureStepMs = m.manifest.micro.feature_step_size;
    settingsFrom = `manifest ${manifestPath}`;
    if (featureStepMs !== DEFAULT_FEATURE_STEP_MS) {
      notes.push(`the manifest's feature_step_size is ${featureStepMs} ms; mww's frontend computes 10 ms steps as ESPHome does for V2 models, so results may not match this model's training`);
    }
  } else {
    settingsFrom = `defaults (cutoff ${DEFAULT_CUTOFF}, window ${DEFAULT_WINDOW}; no manifest beside the model)`;
  }
  if (o.cutoff !== undefined || o.window !== undefined) {
    settingsFrom += `, overridden by ${[o.cutoff !== undefined ? `--cutoff ${o.cutoff}` : '', o.window !== undefined ? `--window ${o.window}` : ''].filter(Boolean).join(' and ')}`;
  }
  const { model } = await readModelFile(modelPath);
  return {
    wakeWord,
    model,
    modelPath,
    manifestPath,
    cutoff: o.cutoff ?? cutoff ?? DEFAULT_CUTOFF,
    window: o.window ?? window ?? DEFAULT_WINDOW,
    featureStepMs,
    // The runtime's own reading of the input shape [1, stride, 40]; creating it also refuses a model it cannot run.
    stride: MicroInterpreter.create(model, { source: modelPath }).stride,
    settingsFrom,
    notes,
  };
}

/** Every .wav named or below the given directories (audio's listWavs), errors saying which input role failed. */
export async function collectWavs(inputs: string[], what = 'input'): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    try {
      out.push(...(await listWavs(input)));
    } catch (e) {
      if (!(e instanceof MwwError)) throw e;
      const bare = e.where && e.message.startsWith(`${e.where}: `) ? e.message.slice(e.where.length + 2) : e.message;
      throw new MwwError(e.kind, `${what}: ${bare}`, { where: e.where, cause: e });
    }
  }
  return out;
}

/** A scored clip (per-invoke outputs of the wake word model and the VAD) plus what reading the WAV noted. */
export interface ScoredAudio extends ScoredClip {
  notes: string[];
}

/** The WAV as read (audio's readWav): 16 kHz mono samples and what reading it noted. */
export type WavAudio = Awaited<ReturnType<typeof readWav>>;

/** Read one WAV and score it (scoreSamples): what `test` and `eval` (and their workers) do per file. */
export async function scoreWav(file: string, ww: MicroInterpreter, vad?: MicroInterpreter): Promise<ScoredAudio> {
  return scoreSamples(file, await readWav(file), ww, vad);
}

/**
 * Frontend + model(s) over audio already read: the expensive part, shared by `test`, `eval` and `hil` (which
 * streams the same samples to the device). The interpreters are prepared once per run and reset here, so each
 * file starts from a fresh state as a device does.
 */
export function scoreSamples(file: string, wav: WavAudio, ww: MicroInterpreter, vad?: MicroInterpreter): ScoredAudio {
  const features = computeFeatures(wav.samples);
  ww.reset();
  vad?.reset();
  return {
    path: file,
    durationSeconds: wav.samples.length / wav.sampleRate,
    slices: features.slices,
    notes: wav.notes,
    probabilities: invokeStream(ww, features.i8),
    vadProbabilities: vad ? invokeStream(vad, features.i8) : undefined,
  };
}

export interface FileReport {
  path: string;
  wakeWord: string;
  detected: boolean;
  detections: { timeSeconds: number; wakeWord: string; slice: number; invokeIndex: number; average: number; probability: number }[];
  maxProbability: number;
  maxSlidingAverage: number;
  durationSeconds: number;
  slices: number;
  invokes: number;
  stride: number;
  esphome: EsphomeRule;
  cutoff: number;
  cutoffU8: number | null;
  window: number;
  /** Per-invoke uint8 outputs (what TFLM computes on the device). */
  probabilities: number[];
  vad?: { maxProbability: number; blocked: VadBlock[]; probabilities: number[] };
  notes: string[];
  timeConvention: string;
}

export function reportFor(scored: ScoredAudio, ww: DetectorModel, esphome: EsphomeRule, vad?: DetectorModel): FileReport {
  const sim = simulate(scored.probabilities, {
    cutoff: ww.cutoff,
    window: ww.window,
    esphome,
    stride: ww.stride,
    featureStepMs: ww.featureStepMs,
    totalSlices: scored.slices,
    vad: vad && scored.vadProbabilities ? { probabilities: scored.vadProbabilities, cutoff: vad.cutoff, window: vad.window, stride: vad.stride } : undefined,
  });
  let vadMax = 0;
  for (const v of scored.vadProbabilities ?? []) vadMax = Math.max(vadMax, v);
  return {
    path: scored.path,
    wakeWord: ww.wakeWord,
    detected: sim.detections.length > 0,
    detections: sim.detections.map((d) => ({
      timeSeconds: d.timeSeconds,
      wakeWord: ww.wakeWord,
      slice: d.slice,
      invokeIndex: d.invokeIndex,
      average: round(d.average),
      probability: round(d.probability),
    })),
    maxProbability: round(sim.maxProbability),
    // The plain sliding average (no resets) is what a user tunes against; the device's own window is reset by detections.
    maxSlidingAverage: round(maxOf(slidingAverages(scored.probabilities, ww.window))),
    durationSeconds: scored.durationSeconds,
    slices: scored.slices,
    invokes: scored.probabilities.length,
    stride: ww.stride,
    esphome,
    cutoff: ww.cutoff,
    cutoffU8: sim.cutoffU8,
    window: ww.window,
    probabilities: Array.from(scored.probabilities),
    vad: scored.vadProbabilities ? { maxProbability: round(vadMax / 255), blocked: sim.vadBlocked, probabilities: Array.from(scored.vadProbabilities) } : undefined,
    notes: scored.notes,
    timeConvention: DETECTION_TIME_CONVENTION,
  };
}

function maxOf(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > m) m = a[i]!;
  return m;
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
