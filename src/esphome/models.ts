import { existsSync, statSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MwwError } from '../errors.js';
import { loadManifest, buildManifest, manifestAuthor, manifestToJson, type ManifestV2 } from '../manifest/manifest.js';
import { readModelFile } from '../tflite/file.js';
import type { TfliteModel } from '../tflite/model.js';
import { recommendedArena } from '../micro/arena/index.js';
import { checkEsphomeContract } from '../micro/contract.js';
import type { Chip } from './chips.js';
import type { EsphomeLine } from './versions.js';
import { cppIdentifier } from './names.js';
import { trackTemp, untrackTemp } from '../util/fs.js';
import { sha256Hex } from '../util/hash.js';

/** Where a wake word comes from: a manifest (.json), a bare .tflite, or a training checkpoint directory. */
export interface ModelSource {
  path: string;
  /** Overrides for the manifest (a bare .tflite or checkpoint has none of its own). */
  wakeWord?: string;
  probabilityCutoff?: number;
  slidingWindowSize?: number;
  /** Calibration WAVs for a checkpoint. */
  calibration?: string[];
}

/** A model ready to be written into a project. */
export interface PreparedModel {
  id: string;
  wakeWord: string;
  tflite: Uint8Array;
  sha256: string;
  arena: number;
  manifest: ManifestV2;
  manifestJson: string;
  untrained: boolean;
  source: string;
}

export const DEMO_WAKE_WORD = 'mww demo (untrained)';

function humanize(base: string): string {
  return base.replace(/[_-]+/g, ' ').trim() || 'wake word';
}

/**
 * The arena for the manifest: the calculator's recommended value for the board's chip and every ESP-NN
 * version the ESPHome line may link, taking the largest (a floating esp-nn dependency can resolve to any).
 */
export function arenaFor(model: TfliteModel, chip: Chip, line: EsphomeLine): number {
  return Math.max(...line.espNn.map((espNn) => recommendedArena(model, { chip, espNn }).value));
}

/** A converted checkpoint, and whether it was calibrated on synthetic data (the manifest then says so). */
interface Converted {
  tflite: Uint8Array;
  model: TfliteModel;
  synthetic: boolean;
}

async function convertCheckpointDir(src: ModelSource): Promise<Converted> {
  const calibration = src.calibration ?? [];
  if (calibration.length === 0) {
    throw new MwwError('usage', `a training checkpoint needs calibration audio to quantize it: pass --calibration FILE.wav (repeatable) or list calibration: in mww.yaml`, { where: src.path });
  }
  const { convertCheckpoint } = await import('../convert/index.js');
  const res = await convertCheckpoint({ source: src.path, calibration });
  return { tflite: res.tflite, model: res.model, synthetic: res.report.calibration.synthetic };
}

/**
 * The built-in example: mww's deterministic, untrained demo checkpoint, converted with the converter's own
 * synthetic calibration (an untrained model's activation ranges mean nothing anyway).
 */
async function convertDemo(): Promise<Converted> {
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'mww-demo-'));
  trackTemp(tmp); // removed on Ctrl-C too
  try {
    const { writeDemoCheckpoint } = await import('../convert/demo.js');
    const checkpoint = await writeDemoCheckpoint(path.join(tmp, 'checkpoint'));
    const { convertCheckpoint } = await import('../convert/index.js');
    const res = await convertCheckpoint({ source: checkpoint, calibration: ['synthetic'] });
    return { tflite: res.tflite, model: res.model, synthetic: res.report.calibration.synthetic };
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
    untrackTemp(tmp);
  }
}

/** Check the model against ESPHome's loader and size its arena for the board: the project's view of a model. */
function finish(opts: {
  tflite: Uint8Array;
  /** The parsed `tflite`, as its reader (readModelFile or the converter's read-back) returned it. */
  model: TfliteModel;
  source: string;
  base?: ManifestV2;
  src: ModelSource;
  defaultWakeWord: string;
  chip: Chip;
  line: EsphomeLine;
  untrained: boolean;
  /** Calibrated on synthetic data: the manifest's author carries the converter's not-for-deployment label. */
  syntheticCalibration?: boolean;
  usedIds: Set<string>;
}): PreparedModel {
  const { model } = opts;
  const contract = checkEsphomeContract(model);
  if (!contract.ok) {
    throw new MwwError('contract', `ESPHome's micro_wake_word would not load this model: ${contract.problems.join('; ')}`, { where: opts.source });
  }
  const wakeWord = opts.src.wakeWord ?? opts.base?.wake_word ?? opts.defaultWakeWord;
  let id = cppIdentifier(wakeWord);
  for (let n = 2; opts.usedIds.has(id); n++) id = `${cppIdentifier(wakeWord)}_${n}`;
  opts.usedIds.add(id);
  const arena = arenaFor(model, opts.chip, opts.line);
  const manifest = buildManifest({
    model: `${id}.tflite`,
    wakeWord,
    author: manifestAuthor(opts.base?.author ?? (opts.untrained ? 'mww demo (untrained)' : 'unknown'), opts.syntheticCalibration === true),
    website: opts.base?.website,
    languages: opts.base?.trained_languages,
    cutoff: opts.src.probabilityCutoff ?? opts.base?.micro.probability_cutoff ?? 0.97,
    window: opts.src.slidingWindowSize ?? opts.base?.micro.sliding_window_size ?? 5,
    featureStepSize: opts.base?.micro.feature_step_size ?? 10,
    tensorArenaSize: arena,
    minimumEsphomeVersion: opts.base?.micro.minimum_esphome_version,
  });
  return { id, wakeWord, tflite: opts.tflite, sha256: sha256Hex(opts.tflite), arena, manifest, manifestJson: manifestToJson(manifest), untrained: opts.untrained, source: opts.source };
}

/** Load, convert if needed, check and size one model for the project. */
export async function prepareModel(src: ModelSource, ctx: { chip: Chip; line: EsphomeLine; usedIds: Set<string> }): Promise<PreparedModel> {
  const p = src.path;
  if (!existsSync(p)) throw new MwwError('input', 'model not found (give a manifest .json, a .tflite or a training checkpoint directory)', { where: p });
  const common = { src, chip: ctx.chip, line: ctx.line, usedIds: ctx.usedIds };
  if (statSync(p).isDirectory()) {
    const { tflite, model, synthetic } = await convertCheckpointDir(src);
    return finish({ ...common, tflite, model, source: p, defaultWakeWord: humanize(path.basename(path.resolve(p))), untrained: false, syntheticCalibration: synthetic });
  }
  if (/\.json$/i.test(p)) {
    const loaded = await loadManifest(p);
    const { bytes, model } = await readModelFile(loaded.modelPath);
    return finish({ ...common, tflite: bytes, model, source: loaded.modelPath, base: loaded.manifest, defaultWakeWord: loaded.manifest.wake_word, untrained: false });
  }
  if (/\.tflite$/i.test(p)) {
    const { bytes, model } = await readModelFile(p);
    return finish({ ...common, tflite: bytes, model, source: p, defaultWakeWord: humanize(path.basename(p, path.extname(p))), untrained: false });
  }
  throw new MwwError('input', 'unrecognised model: expected a manifest (.json), a model (.tflite) or a training checkpoint directory', { where: p });
}

/** The demo model, prepared like any other but flagged untrained. */
export async function prepareDemoModel(ctx: { chip: Chip; line: EsphomeLine; usedIds: Set<string> }): Promise<PreparedModel> {
  const { tflite, model, synthetic } = await convertDemo();
  return finish({
    tflite,
    model,
    source: 'built-in demo checkpoint',
    src: { path: '(demo)', wakeWord: DEMO_WAKE_WORD },
    defaultWakeWord: DEMO_WAKE_WORD,
    chip: ctx.chip,
    line: ctx.line,
    untrained: true,
    syntheticCalibration: synthetic,
    usedIds: ctx.usedIds,
  });
}
