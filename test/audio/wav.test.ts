import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWav, listWavs, readWav } from '../../src/audio/wav.js';
import { designResampler, resample } from '../../src/audio/resample.js';
import { MwwError } from '../../src/errors.js';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mww-wav-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A canonical 44-byte-header WAV written by hand (independent of the reader under test). */
function wavBytes(opts: { rate: number; channels: number; bits: number; format?: number; data: Uint8Array; declaredData?: number }): Uint8Array {
  const { rate, channels, bits, data } = opts;
  const b = Buffer.alloc(44 + data.length);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + data.length, 4);
  b.write('WAVE', 8, 'ascii');
  b.write('fmt ', 12, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(opts.format ?? 1, 20);
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE((rate * channels * bits) / 8, 28);
  b.writeUInt16LE((channels * bits) / 8, 32);
  b.writeUInt16LE(bits, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(opts.declaredData ?? data.length, 40);
  Buffer.from(data).copy(b, 44);
  return new Uint8Array(b);
}
function pcm16(samples: number[]): Uint8Array {
  const b = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => b.writeInt16LE(s, 2 * i));
  return new Uint8Array(b);
}
function put(name: string, bytes: Uint8Array | string): string {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
}
async function refusal(p: string): Promise<MwwError> {
  try {
    await readWav(p);
  } catch (e) {
    expect(e).toBeInstanceOf(MwwError);
    expect((e as MwwError).message).toContain(p); // the message names the file
    return e as MwwError;
  }
  throw new Error(`expected ${p} to be refused`);
}

describe('readWav: native and converted formats', () => {
  it('reads 16 kHz mono 16-bit PCM as is, with no notes', async () => {
    const p = put('native.wav', wavBytes({ rate: 16000, channels: 1, bits: 16, data: pcm16([0, 1, -1, 32767, -32768]) }));
    const a = await readWav(p);
    expect(Array.from(a.samples)).toEqual([0, 1, -1, 32767, -32768]);
    expect(a.sampleRate).toBe(16000);
    expect(a.notes).toEqual([]);
  });

  it('8-bit unsigned PCM is converted to 16-bit (centred on 128), with a note', async () => {
    const p = put('u8.wav', wavBytes({ rate: 16000, channels: 1, bits: 8, data: new Uint8Array([128, 255, 0, 192]) }));
    const a = await readWav(p);
    expect(Array.from(a.samples)).toEqual([0, 127 * 256, -32768, 64 * 256]);
    expect(a.notes).toEqual(['converted 8-bit unsigned PCM to 16-bit']);
  });

  it('stereo is mixed to mono by averaging the channels, with a note', async () => {
    const p = put('stereo.wav', wavBytes({ rate: 16000, channels: 2, bits: 16, data: pcm16([1000, 3000, -200, 200, 32767, 32767]) }));
    const a = await readWav(p);
    expect(Array.from(a.samples)).toEqual([2000, 0, 32767]);
    expect(a.notes).toEqual(['mixed 2 channels to mono']);
  });

  it('24-bit PCM and 32-bit float are converted to 16-bit', async () => {
    const d24 = Buffer.alloc(6);
    d24.writeIntLE(0x123456, 0, 3);
    d24.writeIntLE(-0x800000, 3, 3);
    const a = await readWav(put('s24.wav', wavBytes({ rate: 16000, channels: 1, bits: 24, data: new Uint8Array(d24) })));
    expect(Array.from(a.samples)).toEqual([Math.round(0x123456 / 256), -32768]);
    expect(a.notes).toEqual(['converted 24-bit PCM to 16-bit']);

    const f32 = Buffer.alloc(12);
    [0.5, -0.25, 1.5].forEach((v, i) => f32.writeFloatLE(v, 4 * i));
    const b = await readWav(put('f32.wav', wavBytes({ rate: 16000, channels: 1, bits: 32, format: 3, data: new Uint8Array(f32) })));
    expect(Array.from(b.samples)).toEqual([16384, -8192, 32767]);
    expect(b.notes).toEqual(['converted 32-bit float samples to 16-bit', 'clipped 1 samples outside the 16-bit range']);
  });

  it('44.1 kHz is resampled to 16 kHz with a note and the expected length', async () => {
    const n = 44100;
    const s = Array.from({ length: n }, (_, i) => Math.round(10000 * Math.sin((2 * Math.PI * 440 * i) / 44100)));
    const a = await readWav(put('44k.wav', wavBytes({ rate: 44100, channels: 1, bits: 16, data: pcm16(s) })));
    expect(a.samples.length).toBe(16000);
    expect(a.notes).toEqual(['resampled 44100 Hz → 16000 Hz (Kaiser-windowed sinc)']);
  });

  it('decodes a file written by the wavefile package (stereo 48 kHz 16-bit)', async () => {
    const { default: wavefile } = await import('wavefile');
    const w = new wavefile.WaveFile();
    w.fromScratch(2, 48000, '16', [new Int16Array(4800).fill(1000), new Int16Array(4800).fill(3000)]);
    const a = decodeWav(w.toBuffer(), 'x.wav');
    expect(a.samples.length).toBe(1600);
    expect(a.samples[800]).toBe(2000);
    expect(a.notes).toEqual(['mixed 2 channels to mono', 'resampled 48000 Hz → 16000 Hz (Kaiser-windowed sinc)']);
  });
});

describe('readWav: refused inputs get a specific error naming the file', () => {
  it('empty file', async () => {
    const e = await refusal(put('empty.wav', new Uint8Array(0)));
    expect(e.message).toMatch(/empty \(0 bytes\)/);
  });

  it('truncated header', async () => {
    const full = wavBytes({ rate: 16000, channels: 1, bits: 16, data: pcm16([1, 2, 3]) });
    const e = await refusal(put('trunc-header.wav', full.subarray(0, 30)));
    expect(e.message).toMatch(/truncated WAV header: the file has only 30 bytes/);
  });

  it('truncated data chunk', async () => {
    const full = wavBytes({ rate: 16000, channels: 1, bits: 16, data: pcm16(new Array(1000).fill(7)) });
    const e = await refusal(put('trunc-data.wav', full.subarray(0, 1044)));
    expect(e.message).toMatch(/truncated WAV data: the 'data' chunk declares 2000 bytes but only 1000 are present/);
  });

  it('header without a data chunk', async () => {
    const full = wavBytes({ rate: 16000, channels: 1, bits: 16, data: pcm16([1, 2, 3, 4, 5, 6, 7, 8]) });
    const e = await refusal(put('no-data.wav', full.subarray(0, 36 + 12)));
    expect(e.message).toMatch(/no 'data' chunk|truncated/);
  });

  it('an MP3 renamed to .wav', async () => {
    const mp3 = new Uint8Array([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 10, ...new Array(100).fill(0)]);
    const e = await refusal(put('song.wav', mp3));
    expect(e.message).toMatch(/not a WAV file .*looks like an MP3 file/);
    expect(e.message).toMatch(/16 kHz mono 16-bit/);
  });

  it('a text file', async () => {
    const e = await refusal(put('notes.wav', 'hello, this is not audio at all\n'));
    expect(e.message).toMatch(/not a WAV file .*looks like a text file/);
  });

  it('an unsupported codec (µ-law)', async () => {
    const e = await refusal(put('mulaw.wav', wavBytes({ rate: 8000, channels: 1, bits: 8, format: 7, data: new Uint8Array(100) })));
    expect(e.kind).toBe('unsupported');
    expect(e.message).toMatch(/unsupported WAV encoding: µ-law \(format code 0x0007\); mww reads PCM/);
  });

  it('a sample rate too low to hold the feature band', async () => {
    const e = await refusal(put('4k.wav', wavBytes({ rate: 4000, channels: 1, bits: 16, data: pcm16([1, 2, 3, 4]) })));
    expect(e.message).toMatch(/sample rate 4000 Hz is not usable/);
  });

  it('a header with no samples', async () => {
    const e = await refusal(put('nosamples.wav', wavBytes({ rate: 16000, channels: 1, bits: 16, data: new Uint8Array(0) })));
    expect(e.message).toMatch(/no audio samples/);
  });

  it('missing file and directory', async () => {
    await expect(readWav(path.join(dir, 'nope.wav'))).rejects.toThrow(/WAV file not found/);
    await expect(readWav(dir)).rejects.toThrow(/found a directory/);
  });
});

describe('mww features on bad audio', () => {
  it('exits 1 with the specific message and no stack trace', async () => {
    const p = put('cli-empty.wav', new Uint8Array(0));
    const r = await runCli(['features', p, '--output', path.join(dir, 'x.i8')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cli-empty\.wav: WAV file is empty/);
    expect(r.stderr).not.toMatch(/at .*\.ts:/);
  });

  it('states the conversions it applied (stereo 44.1 kHz)', async () => {
    const s: number[] = [];
    for (let i = 0; i < 44100; i++) s.push(1000, -1000);
    const p = put('cli-stereo44.wav', wavBytes({ rate: 44100, channels: 2, bits: 16, data: pcm16(s) }));
    const r = await runCli(['features', p, '--output', path.join(dir, 'y.i8'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.notes).toEqual(['mixed 2 channels to mono', 'resampled 44100 Hz → 16000 Hz (Kaiser-windowed sinc)']);
    expect(j.slices).toBe(98);
    expect(readFileSync(path.join(dir, 'y.i8')).length).toBe(98 * 40);
  });
});

describe('resampler', () => {
  /** Amplitude of the component at `freq` (single-bin DFT over a whole number of periods). */
  function toneAmplitude(x: Float64Array | Int16Array, rate: number, freq: number, from: number, count: number): number {
    let re = 0;
    let im = 0;
    for (let i = from; i < from + count; i++) {
      re += x[i]! * Math.cos((2 * Math.PI * freq * i) / rate);
      im -= x[i]! * Math.sin((2 * Math.PI * freq * i) / rate);
    }
    return (2 * Math.hypot(re, im)) / count;
  }

  it('a 1 kHz sine at 44.1 kHz keeps its frequency and amplitude at 16 kHz', () => {
    const n = 44100;
    const x = new Float64Array(n).map((_, i) => 12000 * Math.sin((2 * Math.PI * 1000 * i) / 44100));
    const y = resample(x, 44100, 16000);
    expect(y.length).toBe(16000);
    // Away from the edges: amplitude within 0.5 %.
    const a1k = toneAmplitude(y, 16000, 1000, 1000, 14000);
    expect(Math.abs(a1k - 12000) / 12000).toBeLessThan(0.005);
    // Zero crossings: 2 per period → 1 kHz.
    let crossings = 0;
    for (let i = 1001; i < 15000; i++) if (y[i - 1]! < 0 !== y[i]! < 0) crossings++;
    expect(Math.abs(crossings / 2 / (14000 / 16000) - 1000)).toBeLessThan(2);
    // Sample-exact against the ideal sine at the output times.
    let maxErr = 0;
    for (let i = 1000; i < 15000; i++) maxErr = Math.max(maxErr, Math.abs(y[i]! - 12000 * Math.sin((2 * Math.PI * 1000 * i) / 16000)));
    expect(maxErr).toBeLessThan(12000 * 0.005);
  });

  it('removes content above the new Nyquist frequency instead of aliasing it', () => {
    const x = new Float64Array(44100).map((_, i) => 12000 * Math.sin((2 * Math.PI * 11000 * i) / 44100));
    const y = resample(x, 44100, 16000);
    // 11 kHz would alias to 5 kHz at 16 kHz: it must be at least 60 dB down.
    expect(toneAmplitude(y, 16000, 5000, 1000, 14000)).toBeLessThan(12);
  });

  it('passes DC unchanged and upsamples 8 kHz → 16 kHz', () => {
    const y = resample(new Float64Array(800).fill(1234), 8000, 16000);
    expect(y.length).toBe(1600);
    for (let i = 100; i < 1500; i++) expect(y[i]).toBeCloseTo(1234, 6);
    const d = designResampler(44100, 16000);
    expect([d.up, d.down]).toEqual([160, 441]);
  });
});

describe('listWavs', () => {
  it('expands a directory recursively to its .wav files, sorted; a file stays itself', async () => {
    const root = path.join(dir, 'tree');
    mkdirSync(path.join(root, 'sub'), { recursive: true });
    for (const f of ['b.wav', 'a.WAV', 'sub/c.wav', 'notes.txt']) writeFileSync(path.join(root, f), 'x');
    expect(await listWavs(root)).toEqual([path.join(root, 'a.WAV'), path.join(root, 'b.wav'), path.join(root, 'sub', 'c.wav')]);
    expect(await listWavs(path.join(root, 'b.wav'))).toEqual([path.join(root, 'b.wav')]);
    await expect(listWavs(path.join(root, 'missing'))).rejects.toThrow(/no such file or directory/);
    mkdirSync(path.join(dir, 'emptydir'));
    await expect(listWavs(path.join(dir, 'emptydir'))).rejects.toThrow(/no \.wav files/);
  });
});

describeShared('readWav on the reference recordings', () => {
  it('reads the golden WAVs as native 16 kHz mono', async () => {
    const file = sharedPath('golden', 'audio', 'hey_jarvis.wav');
    const a = await readWav(file);
    // Expected count from the header itself: canonical 44-byte header, 'data' size (bytes) at offset 40.
    const raw = readFileSync(file);
    expect(raw.toString('latin1', 36, 40)).toBe('data');
    expect(a.samples.length).toBe(raw.readUInt32LE(40) / 2);
    expect(a.samples[0]).toBe(raw.readInt16LE(44));
    expect(a.samples.at(-1)).toBe(raw.readInt16LE(raw.length - 2));
    expect(a.notes).toEqual([]);
  });
}, ['golden/audio']);

describe('readWav: streamed WAV with an unset data size', () => {
  it('reads the bytes present and says so', async () => {
    const p = put('streamed.wav', wavBytes({ rate: 16000, channels: 1, bits: 16, data: pcm16([5, 6, 7]), declaredData: 0xffffffff }));
    const a = await readWav(p);
    expect(Array.from(a.samples)).toEqual([5, 6, 7]);
    expect(a.notes).toEqual(["the 'data' chunk size is unset (0xFFFFFFFF, a streamed WAV): read the 6 bytes present"]);
  });
});
