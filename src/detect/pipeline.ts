import { existsSync } from 'node:fs';
import path from 'node:path';
import { MwwError } from '../errors.js';
import { listWavs, readWav } from '../audio/wav.js';
import { computeFeatures } from '../frontend/index.js';
import { runStreaming } from '../micro/interpreter.js';
import { readModelFile } from '../tflite/file.js';
import type { TfliteModel } from '../tflite/model.js';
import { loadManifest } from '../manifest/manifest.js';
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

/** The model input's dim 1 ([1, stride, 40]); the runtime and the contract check validate the rest. */
export function modelStride(model: TfliteModel, where: string): number {
  const sg = model.subgraphs[0];
  const t = sg && sg.inputs.length ? sg.tensors[sg.inputs[0]!] : undefined;
  if (!t || t.shape.length !== 3 || !(t.shape[1]! >= 1)) {
    throw new MwwError('contract', `model input must have shape [1, stride, 40], found ${t ? `[${t.shape.join(', ')}]` : 'no input tensor'}`, { where });
  }
  return t.shape[1]!;
}

function checkCutoff(v: number | undefined, flag: string): void {
  if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 1)) throw new MwwError('usage', `${flag} must be a number from 0 to 1, got ${v}`);
}

/**
 * Load a model given as a manifest (.json) or a bare .tflite. For a .tflite, the manifest beside it with the
 * same base name is used when it names this file; otherwise cutoff/window default to 0.97/5. Flags override.
 */
export async function loadDetectorModel(file: string, o: { cutoff?: number; window?: number; flagPrefix?: string } = {}): Promise<DetectorModel> {
  const prefix = o.flagPrefix ?? '--';
  checkCutoff(o.cutoff, `${prefix}cutoff`);
  if (o.window !== undefined && !(Number.isInteger(o.window) && o.window >= 1)) throw new MwwError('usage', `${prefix}window must be a positive integer, got ${o.window}`);
  const notes: string[] = [];
  let manifestPath: string | undefined;
  let modelPath = file;
  let wakeWord = path.basename(file).replace(/\.(tflite|json)$/i, '');
  let cutoff: number | undefined;
  let window: number | undefined;
  let featureStepMs = DEFAULT_FEATURE_STEP_MS;
  let settingsFrom: string;

  if (/\.json$/i.test(file)) {
    manifestPath = file;
  } else {
    const beside = file.replace(/\.tflite$/i, '') + '.json';
    if (beside !== file && existsSync(beside)) {
      try {
        const probe = await loadManifest(beside);
        if (path.resolve(probe.modelPath) === path.resolve(file)) manifestPath = beside;
        else notes.push(`${beside} names a different model (${probe.manifest.model}); not used`);
      } catch (e) {
        if (!(e instanceof MwwError)) throw e;
        notes.push(`manifest beside the model not used: ${e.message}`);
      }
    }
  }
  if (manifestPath) {
    const m = await loadManifest(manifestPath);
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
    settingsFrom += `, overridden by ${[o.cutoff !== undefined ? `${prefix}cutoff ${o.cutoff}` : '', o.window !== undefined ? `${prefix}window ${o.window}` : ''].filter(Boolean).join(' and ')}`;
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
    stride: modelStride(model, modelPath),
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

export interface ScoredAudio {
  path: string;
  durationSeconds: number;
  slices: number;
  notes: string[];
  /** Per-invoke uint8 outputs of each model, keyed by role. */
  probabilities: Uint8Array;
  vadProbabilities?: Uint8Array;
}

/** Frontend + model(s) over one WAV: the expensive part, shared by `test` and `eval` (and its workers). */
export async function scoreWav(file: string, model: TfliteModel, vadModel?: TfliteModel): Promise<ScoredAudio> {
  const wav = await readWav(file);
  const features = computeFeatures(wav.samples);
  return {
    path: file,
    durationSeconds: wav.samples.length / 16000,
    slices: features.slices,
    notes: wav.notes,
    probabilities: runStreaming(model, features.i8),
    vadProbabilities: vadModel ? runStreaming(vadModel, features.i8) : undefined,
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
