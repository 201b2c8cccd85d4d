/**
 * The converter: a microWakeWord checkpoint (training dir, .weights.h5 + config/flags) or a float streaming
 * TFLite → the int8 streaming TFLite TensorFlow's converter would produce, checked by loading it back.
 *
 * Float math: calibration runs mww's own float32 kernels (src/convert/float/eval.ts), not @tensorflow/tfjs.
 * The quantization parameters depend on each tensor's exact float32 min/max, so the calibrator rounds like the
 * TFLite float kernels TensorFlow's calibrator runs on x86 (Eigen GEMV / dot product, the depthwise kernel,
 * Eigen's logistic; AVX without FMA, each product and sum rounded on its own, in each kernel's own order).
 * Every range in the golden calibrated_float.tflite files is reproduced bit for bit; tfjs (whose CPU backend
 * sums in its own order, and whose WASM backend uses XNNPACK) cannot, and is a 20+ MB load for no gain.
 * Batch-norm folding reproduces TensorFlow bit for bit, including Eigen's fast-math rsqrt (the hardware estimate
 * and Newton step are emulated in float/rsqrt.ts): the folded weights and weight scales equal TensorFlow's.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { MwwError } from '../errors.js';
import { readModelFile } from '../tflite/file.js';
import { readModel } from '../tflite/reader.js';
import { writeModel } from '../tflite/writer.js';
import { opCounts } from '../tflite/ops.js';
import type { TfliteModel } from '../tflite/model.js';
import { MicroInterpreter } from '../micro/interpreter.js';
import { elementCount } from '../micro/tensor.js';
import { checkEsphomeContract, type ContractResult } from '../micro/contract.js';
import { computeArena, recommendedArena, variableArena, SUPPORTED_TARGETS } from '../micro/arena/index.js';
import { checkFlagValues, flagOrigins, inferFlags, loadTrainingConfig, resolveFlags, type FlagOrigin, type LoadedConfig, type ModelFlags, type RawFlags } from './config.js';
import { readKerasWeights } from './h5.js';
import { withArchitectureNames } from './keras/names.js';
import { buildMixedNet } from './graph/mixednet.js';
import { buildInception } from './graph/inception.js';
import { graphFromFloatTflite } from './graph/fromTflite.js';
import type { FloatGraph } from './graph/ir.js';
import { calibrate, countInvokes, forceInputRange } from './calibrate.js';
import { checkCalibrationPaths, loadCalibration } from './data.js';
import { quantizeGraph } from './quantize.js';

export interface ConvertOptions {
  /** Training directory, `.weights.h5`, or float streaming `.tflite`. */
  source: string;
  /** training_config.yaml (found automatically in a training directory). */
  config?: string;
  /** Calibration data paths, or ['synthetic']. */
  calibration: string[];
  /** Model flags (microWakeWord names, e.g. `pointwise_filters`), overriding the config; without a config, what they leave out is inferred from the weights. */
  flags?: RawFlags;
  onProgress?: (done: number, total: number) => void;
}

export interface ConvertReport {
  source: string;
  sourceKind: 'training-dir' | 'weights-h5' | 'float-tflite';
  weights?: string;
  config?: string;
  flags?: ModelFlags;
  /** Where each model flag came from: a command-line option, the config, the weight shapes, or the default. */
  flagSources?: Record<string, FlagOrigin>;
  notes: string[];
  stride: number;
  ops: Record<string, number>;
  operatorCount: number;
  variables: { name: string; shape: number[] }[];
  calibration: { sources: string[]; spectrograms: number; invokes: number; synthetic: boolean };
  contract: ContractResult;
  variableArena: { count: number; bytes: number; fits: boolean };
  arena: { target: string; min: number }[];
  recommendedArena: number;
  bytes: number;
  timeMs: number;
}

const WEIGHT_NAMES = ['best_weights.weights.h5', 'checkpoint.weights.h5', 'last_weights.weights.h5'];

function findWeights(dir: string): string {
  for (const n of WEIGHT_NAMES) if (existsSync(path.join(dir, n))) return path.join(dir, n);
  const any = readdirSync(dir).filter((f) => f.endsWith('.weights.h5'));
  if (any.length === 1) return path.join(dir, any[0]!);
  throw new MwwError('input', `no checkpoint in this directory: expected best_weights.weights.h5 (microWakeWord training dir)${any.length > 1 ? `; found several .weights.h5 (${any.join(', ')}), name one` : ''}`, { where: dir });
}

interface Resolved {
  graph: FloatGraph;
  kind: ConvertReport['sourceKind'];
  weights?: string;
  config?: string;
  flags?: ModelFlags;
  flagSources?: Record<string, FlagOrigin>;
  notes: string[];
}

async function resolveSource(o: ConvertOptions): Promise<Resolved> {
  let st;
  try {
    st = statSync(o.source);
  } catch {
    throw new MwwError('input', 'source not found (expected a training directory, a .weights.h5 or a float .tflite)', { where: o.source });
  }
  if (!st.isDirectory() && o.source.endsWith('.tflite')) {
    const { model } = await readModelFile(o.source);
    return { graph: graphFromFloatTflite(model, o.source), kind: 'float-tflite', notes: [] };
  }
  let weights: string;
  let configPath = o.config;
  let kind: Resolved['kind'];
  if (st.isDirectory()) {
    kind = 'training-dir';
    weights = findWeights(o.source);
    if (!configPath && existsSync(path.join(o.source, 'training_config.yaml'))) configPath = path.join(o.source, 'training_config.yaml');
  } else if (o.source.endsWith('.h5')) {
    kind = 'weights-h5';
    weights = o.source;
  } else {
    throw new MwwError('input', 'unknown source type: expected a training directory, a .weights.h5 or a float streaming .tflite', { where: o.source });
  }
  const options = o.flags ?? {};
  const notes: string[] = [];
  let cfg: LoadedConfig | undefined;
  if (configPath) cfg = await loadTrainingConfig(configPath);
  // Options are merged over the config; without one, whatever the options leave out is inferred from the
  // weights. Options are checked before the weights are read, so a bad one is refused before any work.
  const flagOpts = { spectrogramLength: cfg?.spectrogramLength, stride: cfg?.stride, where: configPath ?? 'command-line flags' };
  let flags = cfg ? resolveFlags({ ...cfg.flags, ...options }, flagOpts) : undefined;
  if (!cfg) checkFlagValues(options, flagOpts.where);
  const w = await readKerasWeights(weights);
  let inferred: RawFlags | undefined;
  if (!flags) {
    const inference = inferFlags(w, options);
    inferred = inference.flags;
    flags = resolveFlags({ ...inference.flags, ...options }, flagOpts);
    notes.push(...inference.notes);
  }
  const flagSources = flagOrigins(flags, { options, config: cfg, inferred });
  // Keras < 3.6 saved no layer names: take them (and so the creation order) from the architecture's graph.
  const named = withArchitectureNames(w, flags);
  const built = flags.modelName === 'inception' ? buildInception(flags, named) : buildMixedNet(flags, named);
  return { graph: built.graph, kind, weights, config: configPath, flags, flagSources, notes: [...notes, ...built.notes] };
}

export async function convertCheckpoint(o: ConvertOptions): Promise<{ tflite: Uint8Array; model: TfliteModel; report: ConvertReport }> {
  const t0 = performance.now();
  checkCalibrationPaths(o.calibration);
  const src = await resolveSource(o);
  const g = src.graph;
  const frames = src.flags?.spectrogramLength ?? (o.flags?.spectrogram_length !== undefined ? Number(o.flags.spectrogram_length) : undefined);
  const data = await loadCalibration(o.calibration, frames);
  forceInputRange(data.spectrograms);
  const notes = [...src.notes];
  if (data.synthetic) notes.push('calibrated on SYNTHETIC random features: activation ranges are meaningless, the model is unsuitable for deployment');
  const usable = countInvokes(data.spectrograms, g.stride);
  if (usable === 0) throw new MwwError('input', `the calibration spectrograms are too short: each needs more than ${g.stride} frames`);
  const ranges = calibrate(g, data.spectrograms, o.onProgress);
  const quantized = quantizeGraph(g, ranges);
  const tflite = writeModel(quantized);

  // Load the result back exactly as a user of the file would, and check it against ESPHome's contract.
  const model = readModel(tflite, 'converted model');
  const interp = MicroInterpreter.create(model, { source: 'converted model' });
  interp.invoke(new Int8Array(elementCount(interp.inputShape)).fill(-128));
  const contract = checkEsphomeContract(model);
  const va = variableArena(model);
  const arena = SUPPORTED_TARGETS.map((t) => ({ target: `${t.chip}/esp-nn ${t.espNn}`, min: computeArena(model, t).min }));
  const sg = model.subgraphs[0]!;
  const report: ConvertReport = {
    source: o.source,
    sourceKind: src.kind,
    weights: src.weights,
    config: src.config,
    flags: src.flags,
    flagSources: src.flagSources,
    notes,
    stride: g.stride,
    ops: opCounts(model),
    operatorCount: sg.operators.length,
    variables: g.variables.map((v) => ({ name: v.sharedName, shape: v.shape })),
    calibration: { sources: data.sources, spectrograms: data.spectrograms.length, invokes: ranges.invokes, synthetic: data.synthetic },
    contract,
    variableArena: { count: va.count, bytes: va.bytes, fits: va.fits },
    arena,
    recommendedArena: recommendedArena(model).value,
    bytes: tflite.length,
    timeMs: Math.round(performance.now() - t0),
  };
  return { tflite, model, report };
}
