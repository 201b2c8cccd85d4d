/**
 * Representative data for calibration, as spectrograms in feature units (frontend uint16 × 0.0390625):
 * raw float32 files, .npy arrays [N, L, 40] / [L, 40], WAV files or directories (through the frontend),
 * microWakeWord RaggedMmap feature directories, or an explicitly requested synthetic set.
 */
import { promises as fsp, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { MwwError } from '../errors.js';
import { readUserFile } from '../util/fs.js';
import { readWav, listWavs } from '../audio/wav.js';
import { computeFeatures } from '../frontend/index.js';
import type { Spectrogram } from './calibrate.js';
import { mulberry32 } from '../util/prng.js';

/** microWakeWord's feature scale: the frontend's uint16 output divided by 25.6. */
export const FEATURE_SCALE = 0.0390625;

export interface CalibrationData {
  spectrograms: Spectrogram[];
  sources: string[];
  synthetic: boolean;
}

/** Parse a .npy header and return shape, dtype and the data offset. */
export function parseNpy(bytes: Uint8Array, where: string): { shape: number[]; descr: string; fortran: boolean; offset: number } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new MwwError('input', 'not a .npy file (missing the \\x93NUMPY magic)', { where });
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const hstart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(hstart, hstart + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new MwwError('input', `unreadable .npy header: ${header.trim()}`, { where });
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  return { shape, descr, fortran, offset: hstart + hlen };
}

/** The frontend's uint16 output in feature units. */
function u16ToFeatures(u16: Uint16Array): Float32Array {
  return Float32Array.from(u16, (v) => v * FEATURE_SCALE);
}

/**
 * Little-endian arrays → feature units, by numpy dtype name: float data is already in feature units, uint16 is raw
 * frontend output. `bytes` must be an aligned copy (its own buffer).
 */
const DECODERS = {
  float32: { size: 4, decode: (bytes: Uint8Array) => new Float32Array(bytes.buffer) },
  float64: { size: 8, decode: (bytes: Uint8Array) => Float32Array.from(new Float64Array(bytes.buffer)) },
  uint16: { size: 2, decode: (bytes: Uint8Array) => u16ToFeatures(new Uint16Array(bytes.buffer)) },
};
type FeatureDtype = keyof typeof DECODERS;

/** The .npy `descr` strings read (little-endian or native byte order), as numpy dtype names. */
const NPY_DTYPES: Record<string, FeatureDtype> = { '<f4': 'float32', '=f4': 'float32', f4: 'float32', '<f8': 'float64', '<u2': 'uint16' };

function npyFeatures(bytes: Uint8Array, offset: number, count: number, descr: string, where: string): Float32Array {
  const dtype = NPY_DTYPES[descr];
  if (!dtype) throw new MwwError('input', `unsupported .npy dtype ${descr}; expected float32 features (or uint16 frontend output)`, { where });
  const { size, decode } = DECODERS[dtype];
  const need = count * size;
  if (bytes.length - offset < need) throw new MwwError('input', `file is truncated: the header promises ${need} data bytes, found ${bytes.length - offset}`, { where });
  return decode(bytes.slice(offset, offset + need));
}

/** Views of `data` (a freshly decoded array, so no further copy), one per spectrogram. */
function splitSpectrograms(data: Float32Array, n: number, frames: number): Spectrogram[] {
  return Array.from({ length: n }, (_, s) => ({ data: data.subarray(s * frames * 40, (s + 1) * frames * 40), frames }));
}

export async function loadNpy(file: string): Promise<Spectrogram[]> {
  const bytes = await readUserFile(file, '.npy calibration array');
  const { shape, descr, fortran, offset } = parseNpy(bytes, file);
  if (fortran) throw new MwwError('input', 'Fortran-order .npy arrays are not supported; save with np.save on a C-contiguous array', { where: file });
  if (shape[shape.length - 1] !== 40 || (shape.length !== 2 && shape.length !== 3)) {
    throw new MwwError('input', `expected shape [N, L, 40] or [L, 40] of feature values, found [${shape}]`, { where: file });
  }
  const [n, frames] = shape.length === 3 ? [shape[0]!, shape[1]!] : [1, shape[0]!];
  return splitSpectrograms(npyFeatures(bytes, offset, n * frames * 40, descr, file), n, frames);
}

/** Raw little-endian float32 [N, L, 40] (like the golden rep_dataset.f32); L is the model's spectrogram length. */
export async function loadRawF32(file: string, frames: number | undefined): Promise<Spectrogram[]> {
  const bytes = await readUserFile(file, 'raw float32 calibration file');
  if (bytes.length % 160 !== 0) throw new MwwError('input', `size ${bytes.length} is not a whole number of 40-value float32 frames`, { where: file });
  const total = bytes.length / 160;
  const L = frames ?? total;
  if (total % L !== 0) throw new MwwError('input', `${total} frames are not a whole number of ${L}-frame spectrograms (the model's spectrogram length)`, { where: file });
  return splitSpectrograms(DECODERS.float32.decode(bytes.slice()), total / L, L);
}

/** WAV → frontend → feature units, one spectrogram per file. */
export async function loadWavs(p: string): Promise<Spectrogram[]> {
  const files = await listWavs(p);
  if (files.length === 0) throw new MwwError('input', 'no .wav files found', { where: p });
  const out: Spectrogram[] = [];
  for (const f of files) {
    const wav = await readWav(f);
    const { u16, slices } = computeFeatures(wav.samples);
    if (slices === 0) continue;
    out.push({ data: u16ToFeatures(u16), frames: slices });
  }
  return out;
}

/**
 * microWakeWord's RaggedMmap feature directory (mmap_ninja): the directory itself is a flat numpy memmap of every
 * sample's values back to back (`data.ninja` + `dtype.ninja` naming the dtype), and the sub-directories
 * `starts/` and `ends/` are int64 memmaps of each sample's element range in that buffer (`shapes/` holds each
 * sample's shape; spectrograms are [L, 40], so L = (end − start) / 40). uint16 data is raw frontend output and is
 * scaled into feature units; float32 data is taken as feature units.
 */
export async function loadRaggedMmap(dir: string): Promise<Spectrogram[]> {
  for (const n of ['data.ninja', 'dtype.ninja', path.join('starts', 'data.ninja'), path.join('ends', 'data.ninja')]) {
    if (!existsSync(path.join(dir, n))) throw new MwwError('input', `not a RaggedMmap feature directory: ${n} is missing`, { where: dir });
  }
  const readDtype = async (d: string) => (await fsp.readFile(path.join(d, 'dtype.ninja'), 'utf8')).trim();
  const readOffsets = async (name: string): Promise<number[]> => {
    const d = path.join(dir, name);
    const dtype = existsSync(path.join(d, 'dtype.ninja')) ? await readDtype(d) : 'int64';
    const bytes = await readUserFile(path.join(d, 'data.ninja'), `RaggedMmap ${name} offsets`);
    const size = dtype === 'int64' || dtype === 'uint64' ? 8 : dtype === 'int32' ? 4 : 0;
    if (size === 0 || bytes.length % size !== 0) throw new MwwError('input', `RaggedMmap ${name}/ has dtype ${dtype} and ${bytes.length} bytes; expected int64 offsets`, { where: dir });
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Array.from({ length: bytes.length / size }, (_, i) => (size === 8 ? Number(dv.getBigInt64(i * 8, true)) : dv.getInt32(i * 4, true)));
  };
  const starts = await readOffsets('starts');
  const ends = await readOffsets('ends');
  if (starts.length !== ends.length) throw new MwwError('input', `RaggedMmap has ${starts.length} starts but ${ends.length} ends`, { where: dir });
  const dtype = await readDtype(dir);
  if (dtype !== 'uint16' && dtype !== 'float32') throw new MwwError('input', `RaggedMmap dtype ${dtype} is not supported (uint16 frontend output or float32 features expected)`, { where: dir });
  const { size: elem, decode } = DECODERS[dtype];
  const data = await readUserFile(path.join(dir, 'data.ninja'), 'RaggedMmap data.ninja');
  const out: Spectrogram[] = [];
  for (let i = 0; i < starts.length; i++) {
    const [s, e] = [starts[i]!, ends[i]!];
    if (s < 0 || e < s || e * elem > data.length) throw new MwwError('input', `sample ${i} spans elements ${s}..${e}, outside the ${data.length / elem}-element data.ninja (truncated?)`, { where: dir });
    const values = decode(data.slice(s * elem, e * elem));
    if (values.length % 40 !== 0) throw new MwwError('input', `sample ${i} has ${values.length} values, not a whole number of 40-feature slices`, { where: dir });
    out.push({ data: values, frames: values.length / 40 });
  }
  return out;
}

/** Uniform random features in [0, 26]: lets a conversion run without data, but the ranges mean nothing. */
export function syntheticSpectrograms(n: number, frames: number): Spectrogram[] {
  return Array.from({ length: n }, (_, s) => {
    const r = mulberry32(0x5eed0000 + s);
    const data = new Float32Array(frames * 40);
    for (let i = 0; i < data.length; i++) data[i] = 26 * r();
    return { data, frames };
  });
}


/** The checks that need no file, so the converter can refuse a bad --calibration before any work. */
export function checkCalibrationPaths(paths: string[]): void {
  if (paths.length === 0) {
    throw new MwwError('usage', 'no calibration data: int8 quantization needs the activation ranges the model produces on real features. Give --calibration with WAV files/directories, a .npy [N, L, 40] array or a microWakeWord feature directory (or --calibration synthetic for a throw-away test model)');
  }
  if (paths.includes('synthetic') && paths.length > 1) throw new MwwError('usage', '--calibration synthetic cannot be combined with real calibration data');
}

export async function loadCalibration(paths: string[], frames: number | undefined): Promise<CalibrationData> {
  checkCalibrationPaths(paths);
  if (paths.includes('synthetic')) {
    return { spectrograms: syntheticSpectrograms(20, frames ?? 200), sources: ['synthetic'], synthetic: true };
  }
  const spectrograms: Spectrogram[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new MwwError('input', 'calibration data not found', { where: p });
    }
    if (st.isDirectory()) {
      if (existsSync(path.join(p, 'data.ninja'))) spectrograms.push(...(await loadRaggedMmap(p)));
      else spectrograms.push(...(await loadWavs(p)));
    } else if (p.endsWith('.npy')) spectrograms.push(...(await loadNpy(p)));
    else if (p.endsWith('.f32')) spectrograms.push(...(await loadRawF32(p, frames)));
    else if (p.toLowerCase().endsWith('.wav')) spectrograms.push(...(await loadWavs(p)));
    else throw new MwwError('input', 'unknown calibration data type: expected .wav, a directory of WAVs, .npy, .f32 or a RaggedMmap directory', { where: p });
  }
  if (spectrograms.length === 0) throw new MwwError('input', `the calibration data holds no spectrograms (${paths.join(', ')})`);
  return { spectrograms, sources: paths, synthetic: false };
}
