import { createHash } from 'node:crypto';

/**
 * ESP-IDF partition table (binary, at 0x8000): 32-byte entries `AA 50, type, subtype, u32 offset, u32 size,
 * label[16], u32 flags`, then an MD5 entry `EB EB` + 14 × FF + MD5 of the preceding entries, padded with FF.
 */
export const PARTITION_TABLE_OFFSET = 0x8000;
export const PARTITION_TABLE_SIZE = 0xc00;
export const APP_OFFSET = 0x10000;

export interface Partition {
  type: number;
  subtype: number;
  offset: number;
  size: number;
  label: string;
}

export function buildPartitionTable(parts: Partition[]): Uint8Array {
  const out = new Uint8Array(PARTITION_TABLE_SIZE).fill(0xff);
  const dv = new DataView(out.buffer);
  parts.forEach((p, i) => {
    const o = i * 32;
    out[o] = 0xaa;
    out[o + 1] = 0x50;
    out[o + 2] = p.type;
    out[o + 3] = p.subtype;
    dv.setUint32(o + 4, p.offset, true);
    dv.setUint32(o + 8, p.size, true);
    out.fill(0, o + 12, o + 28);
    out.set(Buffer.from(p.label.slice(0, 16), 'ascii'), o + 12);
    dv.setUint32(o + 28, 0, true);
  });
  const m = parts.length * 32;
  out[m] = 0xeb;
  out[m + 1] = 0xeb;
  out.set(createHash('md5').update(out.subarray(0, m)).digest(), m + 16);
  return out;
}

export type TableResult = { ok: true; partitions: Partition[] } | { ok: false; reason: string };

/** Parse a table the way the 2nd-stage bootloader does (entries until the first non-AA50 entry, then the MD5). */
export function parsePartitionTable(bytes: Uint8Array): TableResult {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const partitions: Partition[] = [];
  for (let o = 0; o + 32 <= Math.min(bytes.length, PARTITION_TABLE_SIZE); o += 32) {
    if (bytes[o] === 0xaa && bytes[o + 1] === 0x50) {
      const labelBytes = bytes.subarray(o + 12, o + 28);
      const end = labelBytes.indexOf(0);
      partitions.push({
        type: bytes[o + 2]!,
        subtype: bytes[o + 3]!,
        offset: dv.getUint32(o + 4, true),
        size: dv.getUint32(o + 8, true),
        label: Buffer.from(labelBytes.subarray(0, end < 0 ? 16 : end)).toString('ascii'),
      });
      continue;
    }
    if (bytes[o] === 0xeb && bytes[o + 1] === 0xeb) {
      const want = createHash('md5').update(bytes.subarray(0, o)).digest();
      if (Buffer.compare(want, Buffer.from(bytes.subarray(o + 16, o + 32))) !== 0) return { ok: false, reason: 'partition table MD5 mismatch' };
      break;
    }
    if (o === 0) return { ok: false, reason: `partition 0 invalid magic number 0x${(bytes[o]! | (bytes[o + 1]! << 8)).toString(16)}` };
    break;
  }
  return { ok: true, partitions };
}

/** ESPHome's default esp-idf layout (two OTA app slots), used by the test images. */
export const DEFAULT_PARTITIONS: Partition[] = [
  { type: 1, subtype: 0x02, offset: 0x9000, size: 0x5000, label: 'nvs' },
  { type: 1, subtype: 0x00, offset: 0xe000, size: 0x2000, label: 'otadata' },
  { type: 0, subtype: 0x10, offset: APP_OFFSET, size: 0x1c0000, label: 'app0' },
  { type: 0, subtype: 0x11, offset: 0x1d0000, size: 0x1c0000, label: 'app1' },
];
