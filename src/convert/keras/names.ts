/**
 * Layer names for checkpoints saved without them. Keras ≥ 3.6 stores each layer's `layer.name` as the `name`
 * attribute of its `vars` group; older files have only the `/layers/<key>` keys, which number layers per class
 * in `model.layers` order (by depth), not in creation order — the order the converter consumes them in. For a
 * spatial-attention or residual model the two differ. Only the architecture's layer graph knows the mapping, so
 * the names are taken from the very graph mww's writer saves checkpoints from (keras/mixednet.ts,
 * keras/inception.ts): one source of the layer order for writing and reading.
 */
import { elementCount } from '../../micro/tensor.js';
import { finalFrames, type ModelFlags } from '../config.js';
import type { H5Layer, KerasWeights } from '../h5.js';
import { h5Entries, type KOp } from './graph.js';
import { inceptionGraph } from './inception.js';
import type { WeightInit } from './init.js';
import { mixedNetGraphForFrames } from './mixednet.js';

/** Shapes only: the graph is built for its names, its weights are never used. */
const zeros: WeightInit = (_role, shape) => new Float32Array(elementCount(shape));

/** Frames before the MixedNet head: from the spectrogram length, else read off the Dense kernel as the converter does. */
function mixedNetHeadFrames(w: KerasWeights, f: ModelFlags): number | undefined {
  if (f.spectrogramLength !== undefined) return finalFrames(f, f.spectrogramLength);
  const denseIn = w.layers.get('dense')?.vars[0]?.shape[0];
  const channels = f.pointwiseFilters.at(-1) ?? (f.firstConvFilters > 0 ? f.firstConvFilters : 40);
  if (denseIn === undefined || denseIn % channels !== 0) return undefined;
  return denseIn / channels + (f.spatialAttention ? 3 : 0);
}

function architectureGraph(w: KerasWeights, f: ModelFlags): KOp | undefined {
  if (f.inception) return inceptionGraph(f.inception, 1, zeros);
  const T = mixedNetHeadFrames(w, f);
  // A head that cannot exist (the flags do not fit the weights): leave the file as it is, the converter says why.
  if (T === undefined || !Number.isInteger(T) || T < 1 || (f.spatialAttention && T > 1 && T < 4)) return undefined;
  return mixedNetGraphForFrames(f, T, zeros);
}

/**
 * The checkpoint with every missing `layer.name` (and nested layer name) filled in from the architecture's
 * graph. Unchanged when nothing is missing, or when the architecture's groups are not exactly the checkpoint's
 * (the flags do not match the weights; the converter then reports the first layer that does not fit).
 */
export function withArchitectureNames(w: KerasWeights, f: ModelFlags): KerasWeights {
  const layers = [...w.layers.values()];
  const unnamed = (l: H5Layer) => l.name === undefined || Object.values(l.children).some((c) => c.name === undefined);
  if (!layers.some(unnamed)) return w;
  const graph = architectureGraph(w, f);
  if (!graph) return w;
  const entries = new Map(h5Entries(graph).map((e) => [e.key, e]));
  if (entries.size !== layers.length || layers.some((l) => entries.get(l.key)?.className !== l.className)) return w;
  const named = new Map<string, H5Layer>();
  for (const l of layers) {
    const e = entries.get(l.key)!;
    const children = Object.fromEntries(Object.entries(l.children).map(([attr, c]) => [attr, { ...c, name: c.name ?? e.children.find((x) => x.attr === attr)?.name }]));
    named.set(l.key, { ...l, name: l.name ?? e.name, children });
  }
  return { file: w.file, layers: named };
}
