/**
 * Writes a Keras 3 `.weights.h5` (docs/model-format.md §2) with h5wasm: `/layers/<key>/vars/<i>` float32
 * datasets, nested layers (Stream's cell) under `/layers/<key>/<attr>/vars/<i>`, each `vars` group carrying `layer.name` as its
 * `name` attribute (Keras ≥ 3.6; optional), and the model's own empty `/vars` group. Used for the demo checkpoint and for
 * generated test fixtures; the file is built in h5wasm's in-memory file system, then written atomically.
 */
import h5wasm from 'h5wasm/node';
import { writeFileAtomic } from '../../util/fs.js';
import { elementCount } from '../../micro/tensor.js';
import type { KerasLayerEntry, WeightVar } from './graph.js';

let counter = 0;
/** 2024-01-01T00:00:00Z: the timestamp written into generated files. */
const FIXED_TIME_MS = 1704067200000;

function writeVars(group: any, name: string | undefined, vars: WeightVar[]): void {
  const g = group.create_group('vars');
  if (name !== undefined) g.create_attribute('name', name);
  vars.forEach((v, i) => {
    const count = elementCount(v.shape);
    if (count !== v.data.length) throw new Error(`internal: weight ${name}/${i} has ${v.data.length} values for shape [${v.shape}]`);
    g.create_dataset({ name: String(i), data: v.data, shape: v.shape, dtype: '<f' });
  });
}

export interface KerasWeightsOptions {
  /** The model's own name (the root `/vars` group's `name` attribute). */
  modelName?: string;
  /**
   * Write each `vars` group's `name` attribute (default true). Keras before 3.6 wrote none; files without them
   * are read in an order the converter must take from the architecture (tests write such files).
   */
  layerNames?: boolean;
}

/** Build the weights file's bytes. */
export async function kerasWeightsBytes(layers: KerasLayerEntry[], opts: KerasWeightsOptions = {}): Promise<Uint8Array> {
  const names = opts.layerNames ?? true;
  const module = await h5wasm.ready;
  const mem = `/mww-h5w-${process.pid}-${++counter}.h5`;
  // Earliest format bounds: superblock v0, v1 object headers, symbol-table groups — the flavour h5py writes for Keras.
  // HDF5 stamps every dataset's object header with the current time (emscripten reads Date.now()). Pin the
  // clock for this synchronous block so the same weights always give the same bytes.
  const realNow = Date.now;
  Date.now = () => FIXED_TIME_MS;
  const f = new h5wasm.File(mem, 'w', { libver: ['earliest', 'v110'] });
  try {
    const root = f.create_group('layers');
    for (const l of layers) {
      const lg = root.create_group(l.key);
      for (const c of l.children) writeVars(lg.create_group(c.attr), names ? c.name : undefined, c.vars);
      writeVars(lg, names ? l.name : undefined, l.vars);
    }
    f.create_group('vars').create_attribute('name', opts.modelName ?? 'functional');
  } finally {
    f.close();
    Date.now = realNow;
  }
  try {
    return Uint8Array.from(module.FS.readFile(mem) as Uint8Array);
  } finally {
    module.FS.unlink(mem);
  }
}

/** Write the weights file atomically. */
export async function writeKerasWeights(path: string, layers: KerasLayerEntry[], opts: KerasWeightsOptions = {}): Promise<void> {
  await writeFileAtomic(path, await kerasWeightsBytes(layers, opts));
}
