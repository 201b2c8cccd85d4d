/**
 * Checksums of the HIL wire protocol (docs/hil-protocol.md):
 * - CRC-8 (poly 0x07, init 0, no reflection, "CRC-8/SMBUS") over the 3 header bytes, so a corrupted length is
 *   rejected before the decoder waits for a payload that never comes;
 * - CRC-32 (IEEE 802.3: reflected poly 0xEDB88320, init and final XOR 0xFFFFFFFF) over the whole frame after
 *   the sync byte (the ESP32 ROM's `esp_rom_crc32_le` computes the same; the firmware computes it bit by bit,
 *   tens of microseconds per 10 ms audio frame at 240 MHz).
 */

const CRC32_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

const CRC8_TABLE = (() => {
  const t = new Uint8Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    t[n] = c;
  }
  return t;
})();

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC32_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function crc8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0;
  for (let i = start; i < end; i++) c = CRC8_TABLE[c ^ bytes[i]!]!;
  return c;
}
