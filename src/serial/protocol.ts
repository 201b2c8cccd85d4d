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
export const RomErr = {
  INVALID_MESSAGE: 0x05,
  FAILED: 0x06,
  BAD_CRC: 0x07,
  FLASH_WRITE: 0x08,
  FLASH_READ: 0x09,
  READ_LENGTH: 0x0a,
  DEFLATE: 0x0b,
} as const;

export const RomError: Record<number, string> = {
  [RomErr.INVALID_MESSAGE]: 'received message is invalid (parameters or length field)',
  [RomErr.FAILED]: 'failed to act on received message',
  [RomErr.BAD_CRC]: 'invalid CRC (checksum) in message',
  [RomErr.FLASH_WRITE]: 'flash write error',
  [RomErr.FLASH_READ]: 'flash read error',
  [RomErr.READ_LENGTH]: 'flash read length error',
  [RomErr.DEFLATE]: 'deflate error',
};

export const SYNC_PAYLOAD = Uint8Array.from([0x07, 0x07, 0x12, 0x20, ...new Array<number>(32).fill(0x55)]);
export const SYNC_VALUE = 0x20120707;
export const CHECKSUM_SEED = 0xef;
export const ROM_BLOCK = 0x400;
/** The largest data block a flasher sends (to a stub): bounds every loader packet. */
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

/**
 * Both directions share one layout: direction byte (0x00 request, 0x01 response), op, u16 payload size, u32 word
 * (a request's checksum, a response's value), payload.
 */
const REQUEST = 0x00;
const RESPONSE = 0x01;

function encodePacket(direction: number, op: number, word: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  const dv = new DataView(out.buffer);
  out[0] = direction;
  out[1] = op;
  dv.setUint16(2, payload.length, true);
  dv.setUint32(4, word >>> 0, true);
  out.set(payload, 8);
  return out;
}

/** The packet's op, word and payload, or null when the frame is not a whole packet of that direction. */
function decodePacket(direction: number, frame: Uint8Array): { op: number; word: number; payload: Uint8Array } | null {
  if (frame.length < 8 || frame[0] !== direction) return null;
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (dv.getUint16(2, true) !== frame.length - 8) return null;
  return { op: frame[1]!, word: dv.getUint32(4, true), payload: frame.subarray(8) };
}

export interface Request {
  op: number;
  checksum: number;
  data: Uint8Array;
}

export function encodeRequest(op: number, data: Uint8Array, chk = 0): Uint8Array {
  return encodePacket(REQUEST, op, chk, data);
}

export function decodeRequest(frame: Uint8Array): Request | null {
  const p = decodePacket(REQUEST, frame);
  return p && { op: p.op, checksum: p.word, data: p.payload };
}

/** A response's payload is its data followed by the status bytes (4 from the ROM, 2 from a stub). */
export interface Response {
  op: number;
  value: number;
  body: Uint8Array;
}

export function encodeResponse(op: number, value: number, body: Uint8Array): Uint8Array {
  return encodePacket(RESPONSE, op, value, body);
}

export function decodeResponse(frame: Uint8Array): Response | null {
  const p = decodePacket(RESPONSE, frame);
  return p && { op: p.op, value: p.word, body: p.payload };
}
