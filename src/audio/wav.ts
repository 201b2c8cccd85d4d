import { promises as fsp } from 'node:fs';
import path from 'node:path';
import wavefilePkg from 'wavefile';
import { MwwError } from '../errors.js';
import { describeFsError, readUserFile } from '../util/fs.js';
import { resample } from './resample.js';

const { WaveFile } = wavefilePkg;

/** The format the device and the frontend use. Anything else is converted (with a note) or refused. */
export const NATIVE_SAMPLE_RATE = 16000;
/** Below this, the speech band the features use (up to 7.5 kHz) is mostly missing: refuse rather than guess. */
export const MIN_SAMPLE_RATE = 8000;
const MAX_SAMPLE_RATE = 384000;

const HOW_TO_FIX = 'convert it to 16 kHz mono 16-bit PCM WAV, e.g. `ffmpeg -i IN -ar 16000 -ac 1 -c:a pcm_s16le OUT.wav`';

export interface WavAudio {
  samples: Int16Array;
  sampleRate: 16000;
  /** One line per conversion applied, e.g. "resampled 44100 Hz → 16000 Hz", "mixed 2 channels to mono". */
  notes: string[];
}

interface ChunkInfo {
  id: string;
  offset: number; // start of the chunk body
  size: number; // declared body size
}

const FORMAT_NAMES: Record<number, string> = {
  0x0001: 'PCM',
  0x0002: 'Microsoft ADPCM',
  0x0003: 'IEEE float',
  0x0006: 'A-law',
  0x0007: 'µ-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0055: 'MPEG Layer 3',
  0xfffe: 'extensible',
};

function formatName(code: number): string {
  return `${FORMAT_NAMES[code] ?? 'unknown'} (format code 0x${code.toString(16).padStart(4, '0')})`;
}

/** Name what a non-WAV file most likely is, from its first bytes. */
function sniff(bytes: Uint8Array): string {
  const ascii = (a: number, b: number) => String.fromCharCode(...bytes.subarray(a, b));
  if (ascii(0, 3) === 'ID3' || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0)) return 'it looks like an MP3 file';
  if (ascii(0, 4) === 'OggS') return 'it looks like an Ogg (Vorbis/Opus) file';
  if (ascii(0, 4) === 'fLaC') return 'it looks like a FLAC file';
  if (ascii(4, 8) === 'ftyp') return 'it looks like an MP4/M4A file';
  if (ascii(0, 4) === 'FORM') return 'it looks like an AIFF file';
  const head = bytes.subarray(0, Math.min(bytes.length, 256));
  const printable = head.every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 0xc0 || (c >= 0x80 && c < 0xc0));
  if (printable) return 'it looks like a text file';
  const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `it starts with bytes ${hex}`;
}

/** Walk the RIFF chunks so truncation is reported precisely (which chunk, declared vs present bytes). */
function walkChunks(bytes: Uint8Array, where: string, bigEndian: boolean): ChunkInfo[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: ChunkInfo[] = [];
  let off = 12;
  while (off + 8 <= bytes.length) {
    const id = String.fromCharCode(...bytes.subarray(off, off + 4));
    const size = view.getUint32(off + 4, !bigEndian);
    chunks.push({ id, offset: off + 8, size });
    if (id === 'data') break; // audio data is last in practice; anything after it is irrelevant
    off += 8 + size + (size & 1);
  }
  if (off < bytes.length && off + 8 > bytes.length && !chunks.some((c) => c.id === 'data')) {
    throw new MwwError('input', `truncated WAV file: it ends inside a chunk header at byte ${off} (${bytes.length} bytes in total); ${HOW_TO_FIX}`, { where });
  }
  return chunks;
}

/**
 * Decode a WAV file's bytes into 16 kHz mono int16 samples. Pure (no I/O): `where` names the file in errors.
 * Container parsing is wavefile's; this adds precise checks and the conversions.
 */
export function decodeWav(bytes: Uint8Array, where: string): WavAudio {
  if (bytes.length === 0) throw new MwwError('input', `WAV file is empty (0 bytes)`, { where });
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  const isRiff = magic === 'RIFF' || magic === 'RIFX' || magic === 'RF64';
  if (!isRiff || (bytes.length >= 12 && String.fromCharCode(...bytes.subarray(8, 12)) !== 'WAVE')) {
    if (isRiff && bytes.length >= 12) {
      throw new MwwError('input', `not a WAV file: a RIFF container of type '${String.fromCharCode(...bytes.subarray(8, 12))}', not 'WAVE'; ${HOW_TO_FIX}`, { where });
    }
    if (!isRiff) throw new MwwError('input', `not a WAV file (no RIFF/WAVE header; ${sniff(bytes)}); ${HOW_TO_FIX}`, { where });
  }
  if (bytes.length < 44) {
    throw new MwwError('input', `truncated WAV header: the file has only ${bytes.length} bytes, a WAV header needs at least 44`, { where });
  }
  const bigEndian = magic === 'RIFX';
  const chunks = walkChunks(bytes, where, bigEndian);
  const fmtChunk = chunks.find((c) => c.id === 'fmt ');
  const dataChunk = chunks.find((c) => c.id === 'data');
  if (!fmtChunk) throw new MwwError('input', `truncated or damaged WAV header: no 'fmt ' chunk before the audio data (${bytes.length} bytes)`, { where });
  if (fmtChunk.offset + Math.min(fmtChunk.size, 16) > bytes.length || fmtChunk.size < 16) {
    throw new MwwError('input', `truncated WAV header: the 'fmt ' chunk needs 16 bytes, ${Math.max(0, Math.min(fmtChunk.size, bytes.length - fmtChunk.offset))} present`, { where });
  }
  if (!dataChunk) throw new MwwError('input', `truncated WAV file: no 'data' chunk after the header (${bytes.length} bytes; the audio data is missing)`, { where });
  const present = bytes.length - dataChunk.offset;
  // Writers that stream to a pipe cannot go back to fill in the size and leave 0xFFFFFFFF: use what is there.
  const streamed = dataChunk.size === 0xffffffff;
  if (dataChunk.size > present && magic !== 'RF64' && !streamed) {
    throw new MwwError('input', `truncated WAV data: the 'data' chunk declares ${dataChunk.size} bytes but only ${present} are present`, {
      where,
      details: { declaredBytes: dataChunk.size, presentBytes: present },
    });
  }

  let wav: InstanceType<typeof WaveFile>;
  try {
    wav = new WaveFile(bytes);
  } catch (e) {
    throw new MwwError('input', `cannot parse WAV file: ${(e as Error).message}`, { where, cause: e });
  }
  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number; bitsPerSample: number; blockAlign: number };
  let code = fmt.audioFormat;
  if (code === 0xfffe) {
    // WAVE_FORMAT_EXTENSIBLE: the real format code is the first two bytes of the SubFormat GUID.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    code = fmtChunk.size >= 26 && fmtChunk.offset + 26 <= bytes.length ? view.getUint16(fmtChunk.offset + 24, !bigEndian) : 0;
  }
  const bits = fmt.bitsPerSample;
  const isPcm = code === 1 && (bits === 8 || bits === 16 || bits === 24 || bits === 32);
  const isFloat = code === 3 && (bits === 32 || bits === 64);
  if (!isPcm && !isFloat) {
    const what = code === 1 || code === 3 ? `${bits}-bit ${formatName(code)}` : formatName(code);
    throw new MwwError('unsupported', `unsupported WAV encoding: ${what}; mww reads PCM (8, 16, 24 or 32-bit) or IEEE float (32 or 64-bit); ${HOW_TO_FIX}`, { where });
  }
  const channels = fmt.numChannels;
  if (!(channels >= 1)) throw new MwwError('input', `damaged WAV header: ${channels} channels`, { where });
  const rate = fmt.sampleRate;
  if (rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) {
    throw new MwwError('unsupported', `sample rate ${rate} Hz is not usable: wake-word features need 16000 Hz audio (mww resamples from ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz); ${HOW_TO_FIX}`, { where });
  }

  const bytesPerSample = bits / 8;
  const frameBytes = bytesPerSample * channels;
  const parsed = (wav.data as { samples: Uint8Array }).samples;
  const raw = parsed.length >= Math.min(present, dataChunk.size) ? parsed : bytes.subarray(dataChunk.offset);
  const dataBytes = Math.min(raw.length, dataChunk.size > present ? present : dataChunk.size);
  const frames = Math.floor(dataBytes / frameBytes);
  if (frames === 0) throw new MwwError('input', `WAV file contains no audio samples (the 'data' chunk is empty)`, { where });

  const notes: string[] = [];
  if (streamed) notes.push(`the 'data' chunk size is unset (0xFFFFFFFF, a streamed WAV): read the ${dataBytes} bytes present`);
  if (dataBytes % frameBytes !== 0) notes.push(`ignored ${dataBytes % frameBytes} trailing bytes that do not form a whole sample frame`);

  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = !bigEndian;
  // Fast path: the native format needs no arithmetic at all.
  if (isPcm && bits === 16 && channels === 1 && rate === NATIVE_SAMPLE_RATE) {
    const samples = new Int16Array(frames);
    for (let i = 0; i < frames; i++) samples[i] = view.getInt16(2 * i, le);
    return { samples, sampleRate: NATIVE_SAMPLE_RATE, notes };
  }

  // Decode every sample onto the int16 scale (full scale = ±32768) as float, mixing channels by averaging.
  const readSample = (byteOff: number): number => {
    if (isFloat) return (bits === 32 ? view.getFloat32(byteOff, le) : view.getFloat64(byteOff, le)) * 32768;
    switch (bits) {
      case 8:
        return (view.getUint8(byteOff) - 128) * 256; // 8-bit WAV is unsigned, centred on 128
      case 16:
        return view.getInt16(byteOff, le);
      case 24: {
        const b0 = view.getUint8(byteOff);
        const b1 = view.getUint8(byteOff + 1);
        const b2 = view.getUint8(byteOff + 2);
        const v = le ? b0 | (b1 << 8) | (b2 << 16) : b2 | (b1 << 8) | (b0 << 16);
        return ((v << 8) >> 8) / 256;
      }
      default:
        return view.getInt32(byteOff, le) / 65536;
    }
  };
  const mono = new Float64Array(frames);
  for (let i = 0; i < frames; i++) {
    let acc = 0;
    const base = i * frameBytes;
    for (let c = 0; c < channels; c++) acc += readSample(base + c * bytesPerSample);
    mono[i] = acc / channels;
  }
  if (isFloat) notes.push(`converted ${bits}-bit float samples to 16-bit`);
  else if (bits === 8) notes.push('converted 8-bit unsigned PCM to 16-bit');
  else if (bits !== 16) notes.push(`converted ${bits}-bit PCM to 16-bit`);
  if (channels > 1) notes.push(`mixed ${channels} channels to mono`);

  let signal: Float64Array = mono;
  if (rate !== NATIVE_SAMPLE_RATE) {
    signal = resample(mono, rate, NATIVE_SAMPLE_RATE);
    notes.push(`resampled ${rate} Hz → ${NATIVE_SAMPLE_RATE} Hz (Kaiser-windowed sinc)`);
  }
  const samples = new Int16Array(signal.length);
  let clipped = 0;
  for (let i = 0; i < signal.length; i++) {
    const v = Math.round(signal[i]!);
    if (v > 32767 || v < -32768) clipped++;
    samples[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  if (clipped > 0) notes.push(`clipped ${clipped} samples outside the 16-bit range`);
  return { samples, sampleRate: NATIVE_SAMPLE_RATE, notes };
}

/** Read a WAV file as 16 kHz mono int16 (see decodeWav for what is converted and what is refused). */
export async function readWav(file: string): Promise<WavAudio> {
  const bytes = await readUserFile(file, 'WAV file');
  return decodeWav(bytes, file);
}

/**
 * The WAV files a command should process for one argument: the file itself, or every `*.wav` under a
 * directory (recursively, sorted by path so runs are reproducible).
 */
export async function listWavs(dirOrFile: string): Promise<string[]> {
  let st;
  try {
    st = await fsp.stat(dirOrFile);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MwwError('input', 'no such file or directory', { where: dirOrFile });
    throw new MwwError('io', `cannot read (${describeFsError(e)})`, { where: dirOrFile, cause: e });
  }
  if (!st.isDirectory()) return [dirOrFile];
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await fsp.readdir(dir, { withFileTypes: true });
    for (const ent of entries) {
      const p = path.join(dir, ent.name);
      if (ent.isDirectory()) await walk(p);
      else if (/\.wav$/i.test(ent.name)) found.push(p);
    }
  };
  await walk(dirOrFile);
  if (found.length === 0) throw new MwwError('input', 'the directory contains no .wav files', { where: dirOrFile });
  return found.sort();
}
