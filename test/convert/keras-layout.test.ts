/**
 * The Keras layer-graph model that writes mww's generated checkpoints must reproduce real Keras files: for the
 * golden checkpoints saved by Keras 3.15 (fixture, resid, spatial) every /layers/<key> group, its layer.name
 * attribute, its Stream cell and every dataset shape must match — including the depth ordering that swaps
 * stream keys and names in the spatial-attention model.
 */
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { readKerasWeights } from '../../src/convert/h5.js';
import { loadTrainingConfig, resolveFlags } from '../../src/convert/config.js';
import { mixedNetGraph } from '../../src/convert/keras/mixednet.js';
import { h5Entries } from '../../src/convert/keras/graph.js';
import { seededInit } from '../../src/convert/keras/init.js';

describeShared('Keras layout of generated checkpoints vs real Keras files', () => {
  for (const dir of ['fixture_okay_nabu_v2', 'variants/resid', 'variants/spatial']) {
    it(`matches ${dir}`, async () => {
      const base = sharedPath('golden', dir);
      const cfg = await loadTrainingConfig(path.join(base, 'training_config.yaml'));
      const flags = resolveFlags(cfg.flags, { spectrogramLength: cfg.spectrogramLength, stride: cfg.stride, where: dir });
      const entries = h5Entries(mixedNetGraph(flags, cfg.spectrogramLength!, seededInit(1)));
      const real = await readKerasWeights(path.join(base, 'checkpoint.weights.h5'));
      const mine = new Map(entries.map((e) => [e.key, e]));
      expect([...mine.keys()].sort()).toEqual([...real.layers.keys()].sort());
      for (const [key, layer] of real.layers) {
        const e = mine.get(key)!;
        expect({ key, name: e.name }).toEqual({ key, name: layer.name });
        expect(e.vars.map((v) => v.shape)).toEqual(layer.vars.map((v) => v.shape));
        const mineChildren = Object.fromEntries(e.children.map((c) => [c.attr, { name: c.name, shapes: c.vars.map((v) => v.shape) }]));
        const realChildren = Object.fromEntries(Object.entries(layer.children).map(([a, c]) => [a, { name: c.name, shapes: c.vars.map((v) => v.shape) }]));
        expect(mineChildren).toEqual(realChildren);
      }
    });
  }
});
