/**
 * Checkpoints without `layer.name` attributes (Keras < 3.6): their /layers keys follow model.layers (depth)
 * order, not creation order. The converter takes the names — and so the order — from the architecture's layer
 * graph, the one mww's writer saves from. The golden resid and spatial checkpoints (where keys and names
 * disagree), rewritten by mww's h5 writer without names, get back exactly the names real Keras saved and
 * convert byte-identically to the originals.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { readKerasWeights, type KerasWeights } from '../../src/convert/h5.js';
import { writeKerasWeights } from '../../src/convert/keras/writer.js';
import { withArchitectureNames } from '../../src/convert/keras/names.js';
import { loadTrainingConfig, resolveFlags } from '../../src/convert/config.js';
import { convertCheckpoint } from '../../src/convert/index.js';

/** Every layer's and nested layer's name, by h5 key. */
const namesOf = (w: KerasWeights) =>
  Object.fromEntries([...w.layers.values()].map((l) => [l.key, { name: l.name, children: Object.fromEntries(Object.entries(l.children).map(([a, c]) => [a, c.name])) }]));

describeShared('checkpoints without layer names (Keras < 3.6)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'mww-unnamed-'));
  });

  for (const variant of ['resid', 'spatial']) {
    it(`names variants/${variant} from the architecture as Keras did, and converts it identically`, async () => {
      const dir = sharedPath('golden', 'variants', variant);
      const original = await readKerasWeights(path.join(dir, 'checkpoint.weights.h5'));
      const stripped = path.join(tmp, `${variant}.weights.h5`);
      const entries = [...original.layers.values()].map((l) => ({
        key: l.key,
        name: l.name!,
        className: l.className,
        vars: l.vars,
        children: Object.entries(l.children).map(([attr, c]) => ({ attr, name: c.name!, vars: c.vars })),
      }));
      await writeKerasWeights(stripped, entries, { layerNames: false });
      const unnamed = await readKerasWeights(stripped);
      expect([...unnamed.layers.values()].filter((l) => l.name !== undefined)).toEqual([]);
      // The keys disagree with the names somewhere (so key order alone would not do).
      expect([...original.layers.values()].some((l) => l.name !== l.key)).toBe(true);

      const cfg = await loadTrainingConfig(path.join(dir, 'training_config.yaml'));
      const flags = resolveFlags(cfg.flags, { spectrogramLength: cfg.spectrogramLength, stride: cfg.stride, where: variant });
      expect(namesOf(withArchitectureNames(unnamed, flags))).toEqual(namesOf(original));

      const rep = path.join(dir, 'rep_dataset.f32');
      const config = path.join(dir, 'training_config.yaml');
      const fromOriginal = await convertCheckpoint({ source: path.join(dir, 'checkpoint.weights.h5'), config, calibration: [rep] });
      const fromUnnamed = await convertCheckpoint({ source: stripped, config, calibration: [rep] });
      expect(Buffer.from(fromUnnamed.tflite).equals(Buffer.from(fromOriginal.tflite))).toBe(true);
    }, 60_000);
  }
}, ['golden']);
