/**
 * Writes a microWakeWord-style training directory: `best_weights.weights.h5` plus the `training_config.yaml`
 * microWakeWord's training script dumps (PyYAML style, including the `!!python/tuple` tag on
 * `training_input_shape` that strict YAML parsers reject).
 */
import path from 'node:path';
import { writeFileAtomic } from '../../util/fs.js';
import { finalFrames, inceptionFinalFrames, type InceptionFlags, type ModelFlags } from '../config.js';
import { h5Entries, type KerasLayerEntry, type KOp } from './graph.js';
import { writeKerasWeights } from './writer.js';

/** The `flags:` map as microWakeWord stores it (list flags are strings, parsed with ast.literal_eval). */
export function flagsForYaml(f: ModelFlags): Record<string, string | number> {
  return {
    first_conv_filters: f.firstConvFilters,
    first_conv_kernel_size: f.firstConvKernelSize,
    max_pool: f.maxPool ? 1 : 0,
    mixconv_kernel_sizes: f.mixconvKernelSizes.map((k) => `[${k.join(',')}]`).join(', '),
    model_name: f.modelName,
    pointwise_filters: f.pointwiseFilters.join(','),
    pooled: f.pooled ? 1 : 0,
    repeat_in_block: f.repeatInBlock.join(','),
    residual_connection: f.residualConnection.join(','),
    spatial_attention: f.spatialAttention ? 1 : 0,
    stride: f.stride,
  };
}

function yamlScalar(v: string | number): string {
  if (typeof v === 'number') return String(v);
  // PyYAML quotes strings that would otherwise read as a flow sequence or a number.
  return /^[[{]|^[\d.\-+]+$/.test(v) ? `'${v.replace(/'/g, "''")}'` : v;
}

export function trainingConfigYaml(flags: Record<string, string | number>, spectrogramLength: number, stride: number, finalLayer: number): string {
  const flagLines = Object.keys(flags)
    .sort()
    .map((k) => `  ${k}: ${yamlScalar(flags[k]!)}`);
  return [
    'batch_size: 128',
    'clip_duration_ms: 1500',
    'eval_step_interval: 500',
    'features: []',
    'flags:',
    ...flagLines,
    'learning_rates:',
    '- 0.001',
    `spectrogram_length: ${spectrogramLength}`,
    `spectrogram_length_final_layer: ${finalLayer}`,
    `stride: ${stride}`,
    'train_dir: trained_models/wakeword',
    'training_input_shape: !!python/tuple',
    `- ${spectrogramLength}`,
    '- 40',
    'training_steps:',
    '- 0',
    'window_step_ms: 10',
    '',
  ].join('\n');
}

export interface TrainingDirSpec {
  /** The weights file's `/layers/<key>` groups (h5Entries of a Keras layer graph). */
  layers: KerasLayerEntry[];
  /** The `flags:` map to write. */
  flags: Record<string, string | number>;
  spectrogramLength: number;
  stride: number;
  finalLayer: number;
}

/** Write `best_weights.weights.h5` and `training_config.yaml` into `dir` (created if needed); returns `dir`. */
export async function writeTrainingDir(dir: string, spec: TrainingDirSpec): Promise<string> {
  await writeKerasWeights(path.join(dir, 'best_weights.weights.h5'), spec.layers);
  await writeFileAtomic(path.join(dir, 'training_config.yaml'), trainingConfigYaml(spec.flags, spec.spectrogramLength, spec.stride, spec.finalLayer));
  return dir;
}

/** The training directory of a MixedNet layer graph (from mixedNetGraph). */
export function mixedNetDirSpec(model: KOp, f: ModelFlags, spectrogramLength: number): TrainingDirSpec {
  return { layers: h5Entries(model), flags: flagsForYaml(f), spectrogramLength, stride: f.stride, finalLayer: finalFrames(f, spectrogramLength) };
}

/** The training directory of an Inception layer graph (from inceptionGraph); Inception streams with stride 1. */
export function inceptionDirSpec(model: KOp, inc: InceptionFlags, spectrogramLength: number): TrainingDirSpec {
  return { layers: h5Entries(model), flags: inceptionFlagsForYaml(inc), spectrogramLength, stride: 1, finalLayer: inceptionFinalFrames(inc, spectrogramLength) };
}

/** The `flags:` map of an Inception training config. */
export function inceptionFlagsForYaml(inc: InceptionFlags): Record<string, string | number> {
  return {
    model_name: 'inception',
    cnn1_filters: inc.cnn1Filters.join(','),
    cnn1_kernel_sizes: inc.cnn1KernelSizes.join(','),
    cnn1_subspectral_groups: inc.cnn1Subgroups.join(','),
    cnn2_filters1: inc.cnn2Filters1.join(','),
    cnn2_filters2: inc.cnn2Filters2.join(','),
    cnn2_kernel_sizes: inc.cnn2KernelSizes.join(','),
    cnn2_subspectral_groups: inc.cnn2Subgroups.join(','),
    cnn2_dilation: inc.cnn2Dilation.join(','),
    dropout: 0.2,
  };
}
