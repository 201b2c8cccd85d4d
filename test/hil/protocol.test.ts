import { describe, expect, it } from 'vitest';
import { crc32, crc8 } from '../../src/hil/crc.js';
import { FrameDecoder, MsgType, SYNC, encode, frame, type Message } from '../../src/hil/protocol.js';
import { concat } from '../../src/serial/protocol.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

function decodeAll(chunks: Uint8Array[]): { messages: Message[]; text: string[]; decoder: FrameDecoder } {
  const messages: Message[] = [];
  const text: string[] = [];
  const decoder = new FrameDecoder({ message: (m) => messages.push(m), text: (t) => text.push(t) });
  for (const c of chunks) decoder.push(c);
  return { messages, text, decoder };
}

const SAMPLES = Int16Array.from({ length: 160 }, (_, i) => (i * 409 - 32768) % 32768);

const ALL: Message[] = [
  { type: 'hello', version: 1 },
  { type: 'start', model: 255, stride: 3, samplesPerFrame: 480, flags: 1 },
  { type: 'audio', seq: 0xfffffffe, samples: SAMPLES },
  { type: 'stop', frames: 336 },
  { type: 'reset' },
  { type: 'poll' },
  { type: 'resend', fromEvent: 77 },
  { type: 'caps', version: 1, queueFrames: 32, maxSamplesPerFrame: 1600, models: ['okay_nabu', 'hey_jarvis'] },
  { type: 'ack', nextSeq: 12, credits: 31 },
  { type: 'nak', expectedSeq: 9, reason: 1 },
  { type: 'report', event: 5, invoke: 4, model: 1, probability: 254, windowSum: 1270 },
  { type: 'detect', event: 6, invoke: 71, model: 0, windowSum: 1275 },
  { type: 'status', state: 3, nextSeq: 336, credits: 32, events: 112, invokes: 111, framesReceived: 336, crcErrors: 2, gaps: 1, duplicates: 3, overflows: 0, resends: 4 },
  { type: 'error', code: 2, message: 'no model 7' },
  { type: 'gone', fromEvent: 3, oldestEvent: 100 },
];

describe('HIL checksums (catalogued check values)', () => {
  it('CRC-32/ISO-HDLC of "123456789" is 0xCBF43926', () => expect(crc32(ascii('123456789'))).toBe(0xcbf43926));
  it('CRC-8/SMBUS of "123456789" is 0xF4', () => expect(crc8(ascii('123456789'))).toBe(0xf4));
});

describe('HIL frames', () => {
  it('round-trips every message type', () => {
    const { messages } = decodeAll(ALL.map(encode));
    expect(messages).toEqual(ALL);
  });

  it('lays out a frame as SYNC, type, length LE, CRC-8, payload, CRC-32 LE', () => {
    const f = frame(MsgType.POLL, Uint8Array.of(1, 2, 3));
    expect(Array.from(f.subarray(0, 5))).toEqual([SYNC, MsgType.POLL, 3, 0, crc8(Uint8Array.of(MsgType.POLL, 3, 0))]);
    expect(new DataView(f.buffer).getUint32(8, true)).toBe(crc32(f, 1, 8));
    expect(f.length).toBe(12);
  });

  it('an audio frame of one 10 ms step is 333 bytes (the basis of the baud arithmetic)', () => {
    expect(encode({ type: 'audio', seq: 1, samples: SAMPLES }).length).toBe(333);
  });

  it('decodes byte by byte', () => {
    const bytes = concat(...ALL.map(encode));
    const { messages } = decodeAll(Array.from(bytes, (b) => Uint8Array.of(b)));
    expect(messages).toEqual(ALL);
  });

  it('passes ESPHome log lines between frames through as text, in order', () => {
    const log1 = ascii('\x1b[0;32m[I][mww:012]: mww-identity {"v":1}\x1b[0m\r\n');
    const log2 = ascii('[D][micro_wake_word:141]: Wake Word \'Okay Nabu\' Detected\r\n');
    const { messages, text } = decodeAll([concat(log1, encode(ALL[8]!), log2, encode(ALL[10]!))]);
    expect(messages).toEqual([ALL[8], ALL[10]]);
    expect(text).toEqual(['\x1b[0;32m[I][mww:012]: mww-identity {"v":1}\x1b[0m', "[D][micro_wake_word:141]: Wake Word 'Okay Nabu' Detected"]);
  });

  it('resynchronises after garbage, a corrupted frame and a truncated frame, losing only the damaged frames', () => {
    const good = ALL.map(encode);
    const corrupted = good[2]!.slice();
    corrupted[100] ^= 0x40;
    const truncated = good[10]!.subarray(0, 9);
    const garbage = Uint8Array.from({ length: 300 }, (_, i) => (i * 97 + 13) & 0xff); // includes 0xF9 bytes
    expect(garbage.includes(SYNC)).toBe(true);
    const stream = concat(garbage, good[0]!, corrupted, good[1]!, truncated, good[3]!, garbage, good[8]!);
    for (const chunk of [7, 64, stream.length]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < stream.length; i += chunk) chunks.push(stream.subarray(i, i + chunk));
      const { messages, decoder } = decodeAll(chunks);
      expect(messages).toEqual([ALL[0], ALL[1], ALL[3], ALL[8]]);
      expect(decoder.stats.crcErrors).toBeGreaterThanOrEqual(2);
    }
  });

  it('rejects a header whose length was corrupted without waiting for a payload that never comes', () => {
    const f = encode(ALL[9]!);
    const bad = f.slice();
    bad[3] = 0x0f; // length 0x0f00 + x: header CRC-8 fails
    const { messages, decoder } = decodeAll([concat(bad, encode(ALL[8]!))]);
    expect(messages).toEqual([ALL[8]]);
    expect(decoder.stats.badHeaders).toBeGreaterThanOrEqual(1);
    expect(decoder.pending).toBe(0);
  });
});
