/**
 * Generated microWakeWord checkpoints for converter tests: a training directory (best_weights.weights.h5 in
 * Keras 3 layout + training_config.yaml) written with mww's Keras writer for any MixedNet or Inception flags.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveFlags, inceptionFinalFrames, type RawFlags } from '../../src/convert/config.js';
import type { KerasLayerEntry } from '../../src/convert/keras/graph.js';
import { seededInit, type WeightInit } from '../../src/convert/keras/init.js';
import { mixedNetGraph } from '../../src/convert/keras/mixednet.js';
import { inceptionGraph } from '../../src/convert/keras/inception.js';
import { inceptionDirSpec, mixedNetDirSpec, writeTrainingDir } from '../../src/convert/keras/training-dir.js';

/** A small MixedNet (every block list of length 2) that the tests vary one option at a time. */
export const SMALL_MIXEDNET: RawFlags = {
  model_name: 'mixednet',
  first_conv_filters: 8,
  first_conv_kernel_size: 3,
  stride: 3,
  pointwise_filters: '8,8',
  repeat_in_block: '1,1',
  mixconv_kernel_sizes: '[3], [5]',
  residual_connection: '0,0',
  spatial_attention: 0,
  pooled: 0,
  max_pool: 0,
};

export interface FixtureOptions {
  flags: RawFlags;
  spectrogramLength: number;
  seed?: number;
  init?: WeightInit;
  /** Edit the h5 layer list before writing (drop a layer, corrupt a shape…). */
  editLayers?: (layers: KerasLayerEntry[]) => KerasLayerEntry[];
}

let tmpRoot: string | undefined;

export function fixtureRoot(): string {
  tmpRoot ??= mkdtempSync(path.join(tmpdir(), 'mww-fixtures-'));
  return tmpRoot;
}

/** Write a training directory for the flags; returns its path. */
export async function writeFixture(name: string, o: FixtureOptions): Promise<string> {
  const f = resolveFlags(o.flags, { spectrogramLength: o.spectrogramLength, where: name });
  const init = o.init ?? seededInit(o.seed ?? 7);
  const spec = f.inception
    ? inceptionDirSpec(inceptionGraph(f.inception, inceptionFinalFrames(f.inception, o.spectrogramLength), init), f.inception, o.spectrogramLength)
    : mixedNetDirSpec(mixedNetGraph(f, o.spectrogramLength, init), f, o.spectrogramLength);
  if (o.editLayers) spec.layers = o.editLayers(spec.layers);
  return writeTrainingDir(path.join(fixtureRoot(), name), spec);
}
