/**
 * Keras 3 `.weights.h5` reading (docs/model-format.md §2) through h5wasm: the weight datasets of every
 * layer, keyed by the layer's h5 key, with the h5 path kept for error messages.
 */
import h5wasm from 'h5wasm/node';
import { MwwError } from '../errors.js';
import { readUserFile } from '../util/fs.js';
import { elementCount } from '../micro/tensor.js';
import { parseAutoName } from './keras/graph.js';

export interface H5Var {
  /** Full h5 path, e.g. `/layers/conv2d_1/vars/0`. */
  path: string;
  shape: number[];
  data: Float32Array;
}

export interface H5Layer {
  /** The h5 key below `/layers`, e.g. `depthwise_conv2d_3`. */
  key: string;
  /** Snake-case class part of the key (`depthwise_conv2d`). */
  className: string;
  /** Position among keys of the same class (0 for `conv2d`, 1 for `conv2d_1`, …). */
  keyIndex: number;
  /** `layer.name` from the `vars` group's `name` attribute (Keras ≥ 3.6), if present. */
  name?: string;
  vars: H5Var[];
  /**
   * Every nested layer saved under `/layers/<key>/<attr>` (Keras saves a layer attribute that is itself a
   * layer there): `cell` for Stream, `batch_norm` for microWakeWord's SubSpectralNormalization.
   */
  children: Record<string, { name?: string; vars: H5Var[] }>;
}

export interface KerasWeights {
  file: string;
  layers: Map<string, H5Layer>;
}

let ready: Promise<any> | undefined;
let fileCounter = 0;

function readVars(group: any, groupPath: string, where: string): { name?: string; vars: H5Var[] } {
  let name: string | undefined;
  try {
    const attr = group.attrs?.name;
    if (attr) {
      const v = attr.value;
      if (typeof v === 'string') name = v;
    }
  } catch {
    /* a missing or odd attribute: the converter takes the name from the architecture (keras/names.ts) */
  }
  const keys: string[] = group.keys();
  for (const k of keys) {
    if (!/^\d+$/.test(k)) throw new MwwError('input', `unexpected entry "${k}" in ${groupPath} (Keras 3 names weight datasets 0, 1, 2…)`, { where });
  }
  // Dataset names are decimal strings: "10" sorts after "9", so sort numerically.
  const sorted = keys.slice().sort((a, b) => Number(a) - Number(b));
  const vars: H5Var[] = [];
  for (const k of sorted) {
    const p = `${groupPath}/${k}`;
    const ds = group.get(k);
    if (!ds || !(ds instanceof h5wasm.Dataset)) throw new MwwError('input', `${p} is not a dataset`, { where });
    const shape = (ds.shape ?? []) as number[];
    let value: unknown;
    try {
      value = ds.value;
    } catch (e) {
      throw new MwwError('input', `cannot read dataset ${p} (file truncated or corrupt?): ${(e as Error).message}`, { where });
    }
    let data: Float32Array;
    if (value instanceof Float32Array) data = value;
    else if (value instanceof Float64Array) data = Float32Array.from(value);
    else throw new MwwError('input', `dataset ${p} has type ${JSON.stringify(ds.dtype)}, expected float32`, { where });
    const count = elementCount(shape);
    if (data.length !== count) throw new MwwError('input', `dataset ${p} holds ${data.length} values, its shape [${shape}] needs ${count} (truncated file?)`, { where });
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) {
        throw new MwwError('input', `dataset ${p} (layer ${name ?? groupPath}) contains ${Number.isNaN(data[i]!) ? 'NaN' : 'Inf'} at flat index ${i}; the checkpoint is unusable (diverged training?)`, { where });
      }
    }
    vars.push({ path: p, shape, data });
  }
  return { name, vars };
}

/** Read every layer's weights from a Keras 3 `.weights.h5`. Specific MwwErrors for missing, truncated or non-Keras files. */
export async function readKerasWeights(file: string): Promise<KerasWeights> {
  const bytes = await readUserFile(file, 'Keras weights file (.weights.h5)');
  const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 8 || sig.some((b, i) => bytes[i] !== b)) {
    throw new MwwError('input', 'not an HDF5 file (missing the \\x89HDF signature); expected a Keras 3 .weights.h5', { where: file });
  }
  // Superblock v0/v1: the end-of-file address tells how long the file must be; a shorter file is truncated.
  if ((bytes[8] === 0 || bytes[8] === 1) && bytes.length >= 48) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const sizeOfOffsets = bytes[13]!;
    const eofPos = bytes[8] === 0 ? 24 + 2 * sizeOfOffsets : 28 + 2 * sizeOfOffsets;
    if (sizeOfOffsets === 8 && bytes.length >= eofPos + 8) {
      const eof = Number(dv.getBigUint64(eofPos, true));
      if (eof > bytes.length) {
        throw new MwwError('input', `HDF5 file is truncated: the superblock says ${eof} bytes, found ${bytes.length}`, { where: file });
      }
    }
  }
  ready ??= h5wasm.ready;
  const module = await ready;
  const FS = module.FS;
  const mem = `/mww-h5-${process.pid}-${++fileCounter}.h5`;
  FS.writeFile(mem, bytes);
  let f: any;
  try {
    try {
      f = new h5wasm.File(mem, 'r');
    } catch (e) {
      throw new MwwError('input', `HDF5 library cannot open the file (truncated or corrupt): ${(e as Error).message}`, { where: file });
    }
    const layersGroup = f.get('layers');
    if (!layersGroup || !(layersGroup instanceof h5wasm.Group)) {
      throw new MwwError('input', 'no /layers group: not a Keras 3 .weights.h5 (Keras 2 .h5 files and SavedModels are not supported; re-save with model.save_weights("x.weights.h5"))', { where: file });
    }
    const layers = new Map<string, H5Layer>();
    for (const key of layersGroup.keys() as string[]) {
      const g = layersGroup.get(key);
      if (!(g instanceof h5wasm.Group)) continue;
      const { prefix: className, index: keyIndex } = parseAutoName(key);
      const sub: string[] = g.keys();
      const varsGroup = sub.includes('vars') ? g.get('vars') : undefined;
      const own = varsGroup ? readVars(varsGroup, `/layers/${key}/vars`, file) : { vars: [] as H5Var[] };
      const layer: H5Layer = { key, className, keyIndex, name: own.name, vars: own.vars, children: {} };
      for (const attr of sub) {
        if (attr === 'vars') continue;
        const child = g.get(attr) as any;
        if (!(child instanceof h5wasm.Group)) continue;
        const childSub: string[] = child.keys();
        layer.children[attr] = childSub.includes('vars') ? readVars(child.get('vars'), `/layers/${key}/${attr}/vars`, file) : { vars: [] };
      }
      layers.set(key, layer);
    }
    return { file, layers };
  } finally {
    try {
      f?.close();
    } catch {
      /* already failed */
    }
    try {
      FS.unlink(mem);
    } catch {
      /* nothing to remove */
    }
  }
}

/**
 * Layers of one class in Keras creation order: by the numeric suffix of `layer.name` when every layer has one,
 * else by key (model.layers order, which can differ). The converter fills in missing names from the
 * architecture's layer graph first (keras/names.ts), so key order is only used while inferring flags.
 */
export function layersOfClass(w: KerasWeights, className: string): H5Layer[] {
  const list = [...w.layers.values()].filter((l) => l.className === className);
  const nameIdx = (l: H5Layer): number | undefined => {
    if (!l.name) return undefined;
    const n = parseAutoName(l.name);
    return n.prefix === className ? n.index : undefined;
  };
  const byName = list.every((l) => nameIdx(l) !== undefined);
  return list.sort((a, b) => (byName ? nameIdx(a)! - nameIdx(b)! : a.keyIndex - b.keyIndex));
}
