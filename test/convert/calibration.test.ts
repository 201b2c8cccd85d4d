/**
 * Calibration inputs: WAV files and directories (through the frontend, × 0.0390625, checked against the golden
 * frontend output), .npy [N, L, 40] float32 (and specific errors for wrong shapes / dtypes), microWakeWord
 * RaggedMmap directories (mmap_ninja layout), and the explicitly labelled synthetic set.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { FEATURE_SCALE, loadCalibration } from '../../src/convert/data.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'mww-calib-'));

/** A .npy v1.0 file, as numpy.save writes it (header padded to a multiple of 64 bytes, ending in \n). */
function npy(descr: string, shape: number[], data: ArrayBufferView): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + dict.length + 1) % 64);
  const header = dict + ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** A mmap_ninja numpy memmap directory: data.ninja + dtype.ninja + shape.ninja (uint64 LE) + order.ninja. */
function ninjaArray(dir: string, dtype: string, shape: number[], data: ArrayBufferView): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'data.ninja'), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  writeFileSync(path.join(dir, 'dtype.ninja'), dtype);
  const sh = new DataView(new ArrayBuffer(8 * shape.length));
  shape.forEach((v, i) => sh.setBigUint64(8 * i, BigInt(v), true));
  writeFileSync(path.join(dir, 'shape.ninja'), new Uint8Array(sh.buffer));
  writeFileSync(path.join(dir, 'order.ninja'), 'C');
}

describeShared('calibration from WAV audio (golden frontend output)', () => {
  const audio = sharedPath('golden', 'audio');
  it('a WAV file goes through the frontend and × 0.0390625', async () => {
    const d = await loadCalibration([path.join(audio, 'okay_nabu.wav')], undefined);
    const u16 = new Uint16Array(readFileSync(path.join(audio, 'okay_nabu.frontend.u16')).slice().buffer);
    expect(d.synthetic).toBe(false);
    expect(d.spectrograms).toHaveLength(1);
    expect(d.spectrograms[0]!.frames).toBe(u16.length / 40);
    expect(Array.from(d.spectrograms[0]!.data)).toEqual(Array.from(u16, (v) => Math.fround(v * FEATURE_SCALE)));
  });
  it('a directory of WAVs gives one spectrogram per file', async () => {
    const d = await loadCalibration([audio], undefined);
    expect(d.spectrograms).toHaveLength(4);
    const frames = d.spectrograms.map((s) => s.frames).sort((a, b) => a - b);
    const golden = ['hey_jarvis', 'negative', 'okay_nabu', 'silence'].map((n) => readFileSync(path.join(audio, `${n}.frontend.u16`)).length / 80).sort((a, b) => a - b);
    expect(frames).toEqual(golden);
  });
}, ['golden/audio']);

describe('calibration from arrays and feature directories', () => {
  it('reads a .npy [N, L, 40] float32 array', async () => {
    const values = Float32Array.from({ length: 2 * 5 * 40 }, (_, i) => (i % 27) * 0.5);
    const file = path.join(tmp, 'rep.npy');
    writeFileSync(file, npy('<f4', [2, 5, 40], values));
    const d = await loadCalibration([file], undefined);
    expect(d.spectrograms.map((s) => s.frames)).toEqual([5, 5]);
    expect(Array.from(d.spectrograms[1]!.data)).toEqual(Array.from(values.subarray(200)));
  });
  it('names the shape when a .npy is not [N, L, 40]', async () => {
    const file = path.join(tmp, 'bad-shape.npy');
    writeFileSync(file, npy('<f4', [2, 5, 39], new Float32Array(390)));
    await expect(loadCalibration([file], undefined)).rejects.toThrow(/expected shape \[N, L, 40\].*found \[2,5,39\]/);
  });
  it('names the dtype when a .npy is not float32', async () => {
    const file = path.join(tmp, 'bad-dtype.npy');
    writeFileSync(file, npy('<i4', [1, 3, 40], new Int32Array(120)));
    await expect(loadCalibration([file], undefined)).rejects.toThrow(/unsupported \.npy dtype <i4/);
  });
  it('reads a microWakeWord RaggedMmap directory (uint16 frontend output)', async () => {
    const dir = path.join(tmp, 'ragged');
    const a = Uint16Array.from({ length: 4 * 40 }, (_, i) => i);
    const b = Uint16Array.from({ length: 7 * 40 }, (_, i) => 600 - i);
    const flat = new Uint16Array(a.length + b.length);
    flat.set(a);
    flat.set(b, a.length);
    ninjaArray(dir, 'uint16', [flat.length], flat);
    ninjaArray(path.join(dir, 'starts'), 'int64', [2], BigInt64Array.from([0n, BigInt(a.length)]));
    ninjaArray(path.join(dir, 'ends'), 'int64', [2], BigInt64Array.from([BigInt(a.length), BigInt(flat.length)]));
    writeFileSync(path.join(dir, 'type.ninja'), 'ragged');
    const d = await loadCalibration([dir], undefined);
    expect(d.spectrograms.map((s) => s.frames)).toEqual([4, 7]);
    expect(Array.from(d.spectrograms[1]!.data)).toEqual(Array.from(b, (v) => Math.fround(v * FEATURE_SCALE)));
  });
  it('says what is missing in a broken RaggedMmap directory', async () => {
    const dir = path.join(tmp, 'ragged-broken');
    ninjaArray(dir, 'uint16', [40], new Uint16Array(40));
    await expect(loadCalibration([dir], undefined)).rejects.toThrow(/RaggedMmap.*starts/);
  });
  it('labels synthetic calibration and refuses to mix it with real data', async () => {
    const d = await loadCalibration(['synthetic'], 30);
    expect(d.synthetic).toBe(true);
    expect(d.sources).toEqual(['synthetic']);
    expect(d.spectrograms[0]!.frames).toBe(30);
    await expect(loadCalibration(['synthetic', path.join(tmp, 'rep.npy')], 30)).rejects.toThrow(/synthetic cannot be combined/);
  });
  it('explains why calibration data is needed when none is given', async () => {
    await expect(loadCalibration([], undefined)).rejects.toThrow(/activation ranges/);
  });
});
