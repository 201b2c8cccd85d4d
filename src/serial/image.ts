import { createHash } from 'node:crypto';
import { CHECKSUM_SEED, checksum } from './protocol.js';

/**
 * The ESP-IDF application image format (also used for the 2nd-stage bootloader): a 24-byte header
 * (magic 0xE9, segment count, flash mode, size/frequency, entry, extended header with the chip id at byte 12 and
 * the "hash appended" flag at byte 23), segments (u32 load address, u32 length, data), padding so that the
 * checksum byte (XOR of all segment data, seed 0xEF) ends a 16-byte block, then optionally a SHA-256 of all that.
 */
export const IMAGE_MAGIC = 0xe9;
export const HEADER_SIZE = 24;
/** Byte offsets in the header (the builder in images/ and the parser here share them). */
export const HEADER_AT = { segmentCount: 1, flashMode: 2, flashSizeFreq: 3, entry: 4, wpPin: 8, chipId: 12, hashAppended: 23 } as const;
const MAX_SEGMENTS = 16;

/** Where the checksum byte goes after segment data ending at `end`: the last byte of that 16-byte block. */
export function checksumOffset(end: number): number {
  return end + (15 - (end % 16));
}

export interface ImageSegment {
  address: number;
  offset: number;
  length: number;
}

export interface ParsedImage {
  chipId: number;
  entry: number;
  segments: ImageSegment[];
  /** Bytes from the start of the header to the end of the checksum byte (and the SHA-256 when appended). */
  length: number;
  checksumStored: number;
  checksumComputed: number;
  hashAppended: boolean;
  hashOk: boolean | null;
}

export type ImageProblem = { ok: false; reason: string };

/** Parse and check an image at `bytes[0…]`. Never throws: a problem is described for the caller to report. */
export function parseImage(bytes: Uint8Array): ParsedImage | ImageProblem {
  const problem = headerProblem(bytes, 0);
  if (problem) return { ok: false, reason: problem };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes[HEADER_AT.segmentCount]!;
  const chipId = dv.getUint16(HEADER_AT.chipId, true);
  const hashAppended = bytes[HEADER_AT.hashAppended] === 1;
  let pos = HEADER_SIZE;
  let chk = CHECKSUM_SEED;
  const segments: ImageSegment[] = [];
  for (let i = 0; i < count; i++) {
    if (pos + 8 > bytes.length) return { ok: false, reason: `segment ${i} header runs past the end of the data` };
    const address = dv.getUint32(pos, true);
    const length = dv.getUint32(pos + 4, true);
    pos += 8;
    if (pos + length > bytes.length) return { ok: false, reason: `segment ${i} (${length} bytes) runs past the end of the data` };
    chk = checksum(bytes.subarray(pos, pos + length), chk);
    segments.push({ address, offset: pos, length });
    pos += length;
  }
  const chkPos = checksumOffset(pos);
  if (chkPos >= bytes.length) return { ok: false, reason: 'checksum byte missing (image truncated)' };
  let length = chkPos + 1;
  let hashOk: boolean | null = null;
  if (hashAppended) {
    if (length + 32 > bytes.length) return { ok: false, reason: 'appended SHA-256 missing (image truncated)' };
    const want = createHash('sha256').update(bytes.subarray(0, length)).digest();
    hashOk = Buffer.compare(want, Buffer.from(bytes.subarray(length, length + 32))) === 0;
    length += 32;
  }
  return { chipId, entry: dv.getUint32(HEADER_AT.entry, true), segments, length, checksumStored: bytes[chkPos]!, checksumComputed: chk, hashAppended, hashOk };
}

export function isProblem(x: ParsedImage | ImageProblem): x is ImageProblem {
  return (x as ImageProblem).ok === false;
}

/** Why there is no plausible image header at `bytes[at]`, or null when there is one. */
function headerProblem(bytes: Uint8Array, at: number): string | null {
  if (at + HEADER_SIZE > bytes.length) return `too short for an image header (${bytes.length - at} bytes)`;
  if (bytes[at] !== IMAGE_MAGIC) return `invalid magic byte 0x${bytes[at]!.toString(16).padStart(2, '0')} (expected 0xe9)`;
  const count = bytes[at + HEADER_AT.segmentCount]!;
  if (count === 0 || count > MAX_SEGMENTS) return `implausible segment count ${count}`;
  return null;
}

/** The u16 chip id of an image header at `bytes[at]`, or null when there is no image header there. */
export function headerChipId(bytes: Uint8Array, at = 0): number | null {
  if (headerProblem(bytes, at)) return null;
  const i = at + HEADER_AT.chipId;
  return bytes[i]! | (bytes[i + 1]! << 8);
}

/** ASCII `mww-identity ` marker the glue compiles into the firmware in front of its identity JSON. */
export const IDENTITY_MARKER = 'mww-identity ';

/** Find the identity JSON compiled into a firmware image (the string constant after the marker). */
export function findIdentityText(bytes: Uint8Array): string | null {
  const marker = Buffer.from(IDENTITY_MARKER, 'ascii');
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = buf.indexOf(marker);
  while (at >= 0) {
    const start = at + marker.length;
    if (buf[start] === 0x7b /* { */) {
      let end = start;
      while (end < buf.length && buf[end] !== 0 && buf[end] !== 0x0a && buf[end]! >= 0x20 && buf[end]! < 0x7f) end++;
      return buf.subarray(start, end).toString('ascii');
    }
    at = buf.indexOf(marker, at + 1);
  }
  return null;
}

/** Start offsets of embedded .tflite flatbuffers (file identifier "TFL3" at byte 4 of a flatbuffer). */
export function findTfliteOffsets(bytes: Uint8Array): number[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  let at = buf.indexOf('TFL3', 4, 'ascii');
  while (at >= 4) {
    const start = at - 4;
    const root = buf.readUInt32LE(start);
    // The root table offset points inside the buffer, past the identifier, and is 4-aligned.
    if (root >= 8 && root % 4 === 0 && start + root < buf.length) out.push(start);
    at = buf.indexOf('TFL3', at + 4, 'ascii');
  }
  return out;
}
