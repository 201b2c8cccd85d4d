/** ESP ROM/stub loader packet format and command codes (see ../shared/docs/serial-protocol.md). */
export const Op = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  ERASE_FLASH: 0xd0,
  ERASE_REGION: 0xd1,
  READ_FLASH: 0xd2,
  RUN_USER_CODE: 0xd3,
} as const;

export const OP_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Op).map(([k, v]) => [v, k]));

export function opLabel(op: number): string {
  return OP_NAMES[op] ?? `command 0x${op.toString(16).padStart(2, '0')}`;
}

/** Error codes in the status bytes of a ROM response. */
export const RomError: Record<number, string> = {
  0x05: 'received message is invalid (parameters or length field)',
  0x06: 'failed to act on received message',
  0x07: 'invalid CRC (checksum) in message',
  0x08: 'flash write error',
  0x09: 'flash read error',
  0x0a: 'flash read length error',
  0x0b: 'deflate error',
};

export const SYNC_PAYLOAD = Uint8Array.from([0x07, 0x07, 0x12, 0x20, ...new Array<number>(32).fill(0x55)]);
export const SYNC_VALUE = 0x20120707;
export const CHECKSUM_SEED = 0xef;
export const ROM_BLOCK = 0x400;
export const STUB_BLOCK = 0x4000;

export function checksum(data: Uint8Array, seed = CHECKSUM_SEED): number {
  let c = seed;
  for (const b of data) c ^= b;
  return c & 0xff;
}

export function u32le(...words: number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A request: 0x00, op, u16 size, u32 checksum, data. */
export function encodeRequest(op: number, data: Uint8Array, chk = 0): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  const dv = new DataView(out.buffer);
  out[0] = 0x00;
  out[1] = op;
  dv.setUint16(2, data.length, true);
  dv.setUint32(4, chk >>> 0, true);
  out.set(data, 8);
  return out;
}

export interface Request {
  op: number;
  checksum: number;
  data: Uint8Array;
}

export function decodeRequest(frame: Uint8Array): Request | null {
  if (frame.length < 8 || frame[0] !== 0x00) return null;
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const size = dv.getUint16(2, true);
  if (size !== frame.length - 8) return null;
  return { op: frame[1]!, checksum: dv.getUint32(4, true), data: frame.subarray(8) };
}

/** A response: 0x01, op, u16 size, u32 value, body (data followed by the status bytes). */
export function encodeResponse(op: number, value: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length);
  const dv = new DataView(out.buffer);
  out[0] = 0x01;
  out[1] = op;
  dv.setUint16(2, body.length, true);
  dv.setUint32(4, value >>> 0, true);
  out.set(body, 8);
  return out;
}

export interface Response {
  op: number;
  value: number;
  body: Uint8Array;
}

export function decodeResponse(frame: Uint8Array): Response | null {
  if (frame.length < 8 || frame[0] !== 0x01) return null;
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const size = dv.getUint16(2, true);
  if (size !== frame.length - 8) return null;
  return { op: frame[1]!, value: dv.getUint32(4, true), body: frame.subarray(8) };
}
