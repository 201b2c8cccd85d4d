import { MwwError } from '../errors.js';
import { crc32, crc8 } from './crc.js';

/**
 * The hardware-in-loop wire protocol (spec: docs/hil-protocol.md). Pure encode/decode, no I/O.
 *
 * Frame: SYNC(0xF9) | type u8 | payload length u16 LE | CRC-8(type, length) | payload | CRC-32 LE(type … payload)
 *
 * 0xF9 never occurs in ASCII or in UTF-8 text, so binary frames and ESPHome's log lines can share one UART:
 * the decoder passes everything outside frames on as text lines.
 */

export const SYNC = 0xf9;
export const PROTOCOL_VERSION = 1;
export const HEADER_BYTES = 5;
export const TRAILER_BYTES = 4;
export const FRAME_OVERHEAD = HEADER_BYTES + TRAILER_BYTES;
/** Largest payload accepted; bounds what a decoder waits for after a header that passed its CRC-8 by chance. */
export const MAX_PAYLOAD = 4096;
/** Samples per 10 ms feature step at 16 kHz: the unit audio frames are made of. */
export const STEP_SAMPLES = 160;
/** Sent in START.model to run every model the device has. */
export const ALL_MODELS = 0xff;

export const MsgType = {
  // host → device
  HELLO: 0x01,
  START: 0x02,
  AUDIO: 0x03,
  STOP: 0x04,
  RESET: 0x05,
  POLL: 0x06,
  RESEND: 0x07,
  // device → host
  CAPS: 0x81,
  ACK: 0x82,
  NAK: 0x83,
  REPORT: 0x84,
  DETECT: 0x85,
  STATUS: 0x86,
  ERROR: 0x87,
  GONE: 0x88,
} as const;
export type MsgTypeCode = (typeof MsgType)[keyof typeof MsgType];
const KNOWN_TYPES = new Set<number>(Object.values(MsgType));

export const NakReason = { GAP: 1, CORRUPT: 2 } as const;
export const DeviceState = { IDLE: 0, RUNNING: 1, DRAINING: 2, DONE: 3 } as const;
export type DeviceStateCode = (typeof DeviceState)[keyof typeof DeviceState];
export const ErrorCode = { BAD_REQUEST: 1, NO_SUCH_MODEL: 2, NOT_RUNNING: 3, DEVICE: 4 } as const;

export interface StatusInfo {
  state: DeviceStateCode;
  /** Next audio sequence number the device expects (all before it were received in order). */
  nextSeq: number;
  credits: number;
  /** Next event sequence number (= events produced so far). */
  events: number;
  invokes: number;
  framesReceived: number;
  crcErrors: number;
  gaps: number;
  duplicates: number;
  overflows: number;
  resends: number;
}

export type Message =
  | { type: 'hello'; version: number }
  | { type: 'start'; model: number; stride: number; samplesPerFrame: number; flags: number }
  | { type: 'audio'; seq: number; samples: Int16Array }
  | { type: 'stop'; frames: number }
  | { type: 'reset' }
  | { type: 'poll' }
  | { type: 'resend'; fromEvent: number }
  | { type: 'caps'; version: number; queueFrames: number; maxSamplesPerFrame: number; models: string[] }
  | { type: 'ack'; nextSeq: number; credits: number }
  | { type: 'nak'; expectedSeq: number; reason: number }
  | { type: 'report'; event: number; invoke: number; model: number; probability: number; windowSum: number }
  | { type: 'detect'; event: number; invoke: number; model: number; windowSum: number }
  | ({ type: 'status' } & StatusInfo)
  | { type: 'error'; code: number; message: string }
  | { type: 'gone'; fromEvent: number; oldestEvent: number };

export type DeviceEvent = Extract<Message, { type: 'report' | 'detect' }>;

const STATUS_FIELDS = ['nextSeq', 'events', 'invokes', 'framesReceived', 'crcErrors', 'gaps', 'duplicates', 'overflows', 'resends'] as const;

/** Wrap a payload into a frame. */
export function frame(type: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (payload.length > MAX_PAYLOAD) throw new RangeError(`HIL frame payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  const out = new Uint8Array(FRAME_OVERHEAD + payload.length);
  out[0] = SYNC;
  out[1] = type;
  out[2] = payload.length & 0xff;
  out[3] = payload.length >>> 8;
  out[4] = crc8(out, 1, 4);
  out.set(payload, HEADER_BYTES);
  const end = HEADER_BYTES + payload.length;
  new DataView(out.buffer).setUint32(end, crc32(out, 1, end), true);
  return out;
}

class Writer {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos = 0;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(v: number): this {
    this.view.setUint8(this.pos++, v);
    return this;
  }
  u16(v: number): this {
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
    return this;
  }
  u32(v: number): this {
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
    return this;
  }
}

const ascii = (s: string): Uint8Array => {
  const b = new TextEncoder().encode(s);
  return b.length > 255 ? b.subarray(0, 255) : b;
};

/** Encode one message as a complete frame. */
export function encode(m: Message): Uint8Array {
  switch (m.type) {
    case 'hello':
      return frame(MsgType.HELLO, new Writer(1).u8(m.version).bytes);
    case 'start':
      return frame(MsgType.START, new Writer(5).u8(m.model).u8(m.stride).u16(m.samplesPerFrame).u8(m.flags).bytes);
    case 'audio': {
      const w = new Writer(4 + m.samples.length * 2).u32(m.seq);
      for (let i = 0; i < m.samples.length; i++) w.view.setInt16(4 + i * 2, m.samples[i]!, true);
      return frame(MsgType.AUDIO, w.bytes);
    }
    case 'stop':
      return frame(MsgType.STOP, new Writer(4).u32(m.frames).bytes);
    case 'reset':
      return frame(MsgType.RESET);
    case 'poll':
      return frame(MsgType.POLL);
    case 'resend':
      return frame(MsgType.RESEND, new Writer(4).u32(m.fromEvent).bytes);
    case 'caps': {
      const names = m.models.map(ascii);
      const w = new Writer(6 + names.reduce((a, n) => a + 1 + n.length, 0)).u8(m.version).u16(m.queueFrames).u16(m.maxSamplesPerFrame).u8(names.length);
      for (const n of names) {
        w.u8(n.length);
        w.bytes.set(n, w.pos);
        w.pos += n.length;
      }
      return frame(MsgType.CAPS, w.bytes);
    }
    case 'ack':
      return frame(MsgType.ACK, new Writer(6).u32(m.nextSeq).u16(m.credits).bytes);
    case 'nak':
      return frame(MsgType.NAK, new Writer(5).u32(m.expectedSeq).u8(m.reason).bytes);
    case 'report':
      return frame(MsgType.REPORT, new Writer(12).u32(m.event).u32(m.invoke).u8(m.model).u8(m.probability).u16(m.windowSum).bytes);
    case 'detect':
      return frame(MsgType.DETECT, new Writer(11).u32(m.event).u32(m.invoke).u8(m.model).u16(m.windowSum).bytes);
    case 'status': {
      const w = new Writer(3 + 4 * STATUS_FIELDS.length).u8(m.state).u16(m.credits);
      for (const f of STATUS_FIELDS) w.u32(m[f]);
      return frame(MsgType.STATUS, w.bytes);
    }
    case 'error': {
      const text = ascii(m.message);
      const w = new Writer(1 + text.length).u8(m.code);
      w.bytes.set(text, 1);
      return frame(MsgType.ERROR, w.bytes);
    }
    case 'gone':
      return frame(MsgType.GONE, new Writer(8).u32(m.fromEvent).u32(m.oldestEvent).bytes);
  }
}

/** Parse a frame's payload (CRC already checked); a payload of the wrong size is an MwwError('protocol'). */
export function parsePayload(type: number, p: Uint8Array): Message {
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const need = (n: number, exact = true): void => {
    if (exact ? p.length !== n : p.length < n) {
      throw new MwwError('device', `HIL frame type 0x${type.toString(16)} has a ${p.length}-byte payload, expected ${exact ? '' : 'at least '}${n}`);
    }
  };
  switch (type) {
    case MsgType.HELLO:
      need(1);
      return { type: 'hello', version: p[0]! };
    case MsgType.START:
      need(5);
      return { type: 'start', model: p[0]!, stride: p[1]!, samplesPerFrame: v.getUint16(2, true), flags: p[4]! };
    case MsgType.AUDIO: {
      need(4, false);
      if ((p.length - 4) % 2 !== 0) throw new MwwError('device', `HIL audio frame has an odd number of sample bytes (${p.length - 4})`);
      const samples = new Int16Array((p.length - 4) / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = v.getInt16(4 + i * 2, true);
      return { type: 'audio', seq: v.getUint32(0, true), samples };
    }
    case MsgType.STOP:
      need(4);
      return { type: 'stop', frames: v.getUint32(0, true) };
    case MsgType.RESET:
      need(0);
      return { type: 'reset' };
    case MsgType.POLL:
      need(0);
      return { type: 'poll' };
    case MsgType.RESEND:
      need(4);
      return { type: 'resend', fromEvent: v.getUint32(0, true) };
    case MsgType.CAPS: {
      need(6, false);
      const models: string[] = [];
      let pos = 6;
      for (let i = 0; i < p[5]!; i++) {
        const n = p[pos];
        if (n === undefined || pos + 1 + n > p.length) throw new MwwError('device', 'HIL caps frame: model name list is truncated');
        models.push(new TextDecoder().decode(p.subarray(pos + 1, pos + 1 + n)));
        pos += 1 + n;
      }
      return { type: 'caps', version: p[0]!, queueFrames: v.getUint16(1, true), maxSamplesPerFrame: v.getUint16(3, true), models };
    }
    case MsgType.ACK:
      need(6);
      return { type: 'ack', nextSeq: v.getUint32(0, true), credits: v.getUint16(4, true) };
    case MsgType.NAK:
      need(5);
      return { type: 'nak', expectedSeq: v.getUint32(0, true), reason: p[4]! };
    case MsgType.REPORT:
      need(12);
      return { type: 'report', event: v.getUint32(0, true), invoke: v.getUint32(4, true), model: p[8]!, probability: p[9]!, windowSum: v.getUint16(10, true) };
    case MsgType.DETECT:
      need(11);
      return { type: 'detect', event: v.getUint32(0, true), invoke: v.getUint32(4, true), model: p[8]!, windowSum: v.getUint16(9, true) };
    case MsgType.STATUS: {
      need(3 + 4 * STATUS_FIELDS.length);
      const s = { type: 'status', state: p[0]! as DeviceStateCode, credits: v.getUint16(1, true) } as Extract<Message, { type: 'status' }>;
      STATUS_FIELDS.forEach((f, i) => (s[f] = v.getUint32(3 + 4 * i, true)));
      return s;
    }
    case MsgType.ERROR:
      need(1, false);
      return { type: 'error', code: p[0]!, message: new TextDecoder().decode(p.subarray(1)) };
    case MsgType.GONE:
      need(8);
      return { type: 'gone', fromEvent: v.getUint32(0, true), oldestEvent: v.getUint32(4, true) };
    default:
      throw new MwwError('device', `unknown HIL frame type 0x${type.toString(16)}`);
  }
}

export interface DecoderStats {
  frames: number;
  /** Frames whose header passed but whose CRC-32 failed (corrupted on the line). */
  crcErrors: number;
  /** Candidate headers (a 0xF9 byte) rejected by the header CRC-8, unknown type or oversize length. */
  badHeaders: number;
  /** Frames with a valid CRC but a malformed payload. */
  malformed: number;
  /** Bytes outside frames (log text, line noise). */
  textBytes: number;
}

export interface DecoderSink {
  message(m: Message): void;
  /** When given, each CRC-valid frame is handed over as raw bytes instead of being parsed (fault-injection layers). */
  rawFrame?(bytes: Uint8Array): void;
  /** A complete text line outside frames (ESPHome log output), without the line end. */
  text?(line: string): void;
}

/**
 * Streaming decoder: feed it bytes in any chunking; it emits messages and the text between them. On a bad
 * header or CRC it skips one byte and scans for the next SYNC, so one corrupted or truncated frame costs
 * exactly that frame, and frames that follow garbage or an interleaved log line are still found.
 */
export class FrameDecoder {
  readonly stats: DecoderStats = { frames: 0, crcErrors: 0, badHeaders: 0, malformed: 0, textBytes: 0 };
  private buf = new Uint8Array(8192);
  private start = 0;
  private end = 0;
  private text: number[] = [];

  constructor(private readonly sink: DecoderSink) {}

  push(chunk: Uint8Array): void {
    this.append(chunk);
    this.scan();
  }

  /** Bytes held while waiting for the rest of a frame. */
  get pending(): number {
    return this.end - this.start;
  }

  private append(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start;
      const size = Math.max(this.buf.length, (live + chunk.length) * 2);
      if (size === this.buf.length) this.buf.copyWithin(0, this.start, this.end);
      else {
        const next = new Uint8Array(size);
        next.set(this.buf.subarray(this.start, this.end), 0);
        this.buf = next;
      }
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  private scan(): void {
    const b = this.buf;
    while (this.start < this.end) {
      if (b[this.start] !== SYNC) {
        this.textByte(b[this.start]!);
        this.start++;
        continue;
      }
      if (this.end - this.start < HEADER_BYTES) return;
      const type = b[this.start + 1]!;
      const len = b[this.start + 2]! | (b[this.start + 3]! << 8);
      if (crc8(b, this.start + 1, this.start + 4) !== b[this.start + 4] || !KNOWN_TYPES.has(type) || len > MAX_PAYLOAD) {
        this.stats.badHeaders++;
        this.textByte(b[this.start]!);
        this.start++;
        continue;
      }
      const total = FRAME_OVERHEAD + len;
      if (this.end - this.start < total) return;
      const crcAt = this.start + HEADER_BYTES + len;
      const got = (b[crcAt]! | (b[crcAt + 1]! << 8) | (b[crcAt + 2]! << 16) | (b[crcAt + 3]! << 24)) >>> 0;
      if (crc32(b, this.start + 1, crcAt) !== got) {
        this.stats.crcErrors++;
        this.start++; // rescan inside: a real frame may start within the damaged one (truncated frame)
        continue;
      }
      this.flushText(false);
      if (this.sink.rawFrame) {
        const raw = b.slice(this.start, this.start + total);
        this.start += total;
        this.stats.frames++;
        this.sink.rawFrame(raw);
        continue;
      }
      const payload = b.slice(this.start + HEADER_BYTES, crcAt);
      this.start += total;
      let m: Message;
      try {
        m = parsePayload(type, payload);
      } catch (e) {
        if (!(e instanceof MwwError)) throw e;
        this.stats.malformed++;
        continue;
      }
      this.stats.frames++;
      this.sink.message(m);
    }
    this.start = this.end = 0;
  }

  private textByte(byte: number): void {
    this.stats.textBytes++;
    if (byte === 0x0a) this.flushText(true);
    else if (byte !== 0x0d) {
      this.text.push(byte);
      if (this.text.length > 1024) this.flushText(true);
    }
  }

  private flushText(force: boolean): void {
    if (this.text.length === 0 || !this.sink.text) {
      if (force || this.text.length > 1024) this.text = [];
      return;
    }
    if (!force) return; // a partial line interrupted by a frame continues after it
    const line = new TextDecoder().decode(Uint8Array.from(this.text));
    this.text = [];
    this.sink.text(line);
  }
}
