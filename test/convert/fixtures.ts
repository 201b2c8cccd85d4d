/**
 * Generated microWakeWord checkpoints for converter tests: a training directory (best_weights.weights.h5 in
 * Keras 3 layout + training_config.yaml) written with mww's Keras writer for any MixedNet or Inception flags.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveFlags, inceptionFinalFrames, type RawFlags } from '../../src/convert/config.js';
import { h5Entries, type KerasLayerEntry } from '../../src/convert/keras/graph.js';
import { seededInit, type WeightInit } from '../../src/convert/keras/init.js';
import { mixedNetGraph } from '../../src/convert/keras/mixednet.js';
import { inceptionGraph } from '../../src/convert/keras/inception.js';
import { flagsForYaml, inceptionFlagsForYaml, trainingConfigYaml } from '../../src/convert/keras/training-dir.js';
import { writeKerasWeights } from '../../src/convert/keras/writer.js';
import { writeFileAtomic } from '../../src/util/fs.js';
import { finalFrames } from '../../src/convert/config.js';

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
  const dir = path.join(fixtureRoot(), name);
  const f = resolveFlags(o.flags, { spectrogramLength: o.spectrogramLength, where: name });
  const init = o.init ?? seededInit(o.seed ?? 7);
  let layers: KerasLayerEntry[];
  let yamlFlags: Record<string, string | number>;
  let final: number;
  if (f.inception) {
    final = inceptionFinalFrames(f.inception, o.spectrogramLength);
    layers = h5Entries(inceptionGraph(f.inception, final, init));
    yamlFlags = inceptionFlagsForYaml(f.inception);
  } else {
    final = finalFrames(f, o.spectrogramLength);
    layers = h5Entries(mixedNetGraph(f, o.spectrogramLength, init));
    yamlFlags = flagsForYaml(f);
  }
  if (o.editLayers) layers = o.editLayers(layers);
  await writeKerasWeights(path.join(dir, 'best_weights.weights.h5'), layers);
  await writeFileAtomic(path.join(dir, 'training_config.yaml'), trainingConfigYaml(yamlFlags, o.spectrogramLength, f.stride, final));
  return dir;
}
