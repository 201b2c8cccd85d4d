import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SlipDecoder, slipEncode } from '../../src/serial/slip.js';
import { checksum, decodeRequest, encodeRequest, Op } from '../../src/serial/protocol.js';
import { findIdentityText, findTfliteOffsets, headerChipId, isProblem, parseImage } from '../../src/serial/image.js';
import { buildPartitionTable, DEFAULT_PARTITIONS, parsePartitionTable } from '../../src/serial/partitions.js';
import { buildFactoryImage, buildTestApp, identityJson } from '../../src/serial/images/index.js';
import { chipById } from '../../src/serial/chips/index.js';
import { parseLogLine, stripAnsi } from '../../src/serial/logline.js';
import { analyzeBootLog } from '../../src/serial/verify.js';

describe('SLIP and packets (serial-protocol.md)', () => {
  it('escapes C0 as DB DC and DB as DB DD, framed by C0', () => {
    expect([...slipEncode(Uint8Array.of(1, 0xc0, 2, 0xdb, 3))]).toEqual([0xc0, 1, 0xdb, 0xdc, 2, 0xdb, 0xdd, 3, 0xc0]);
  });
  it('decodes frames split across chunks and passes text outside frames on', () => {
    const frames: number[][] = [];
    let text = '';
    const d = new SlipDecoder((f) => frames.push([...f]), (t) => (text += Buffer.from(t).toString()));
    const enc = slipEncode(Uint8Array.of(0xc0, 0xdb, 7));
    d.push(Buffer.from('boot\r\n'));
    d.push(enc.subarray(0, 3));
    d.push(enc.subarray(3));
    expect(frames).toEqual([[0xc0, 0xdb, 7]]);
    expect(text).toBe('boot\r\n');
  });
  it('drops a frame with an invalid escape', () => {
    const frames: number[][] = [];
    const d = new SlipDecoder((f) => frames.push([...f]));
    d.push(Uint8Array.of(0xc0, 1, 0xdb, 0x01, 2, 0xc0));
    expect(frames).toEqual([]);
  });
  it('checksum is XOR seeded with 0xEF; request header is 00 op size checksum', () => {
    expect(checksum(Uint8Array.of())).toBe(0xef);
    expect(checksum(Uint8Array.of(0xef))).toBe(0);
    const r = encodeRequest(Op.FLASH_DATA, Uint8Array.of(1, 2, 3), 0x12);
    expect([...r]).toEqual([0, 3, 3, 0, 0x12, 0, 0, 0, 1, 2, 3]);
    expect(decodeRequest(r)).toMatchObject({ op: 3, checksum: 0x12 });
    expect(decodeRequest(r.subarray(0, 10))).toBeNull();
  });
});

describe('TEST images', () => {
  for (const id of ['esp32', 'esp32s3'] as const) {
    it(`${id}: app image header, checksum and appended SHA-256 are valid`, () => {
      const chip = chipById(id);
      const app = buildTestApp({ chip, identity: { v: 1, mww: '0.1.0', chip: id, esphome: '2025.11.0', models: [] } });
      expect(app[0]).toBe(0xe9);
      expect(headerChipId(app)).toBe(chip.imageChipId);
      // Independent of parseImage, from the format as documented (serial-protocol.md; esptool's IMAGE_CHIP_ID:
      // ESP32 0, ESP32-S3 9): header bytes, segments walked by hand, XOR checksum seeded 0xEF ending a 16-byte
      // block, and the SHA-256 of everything before it appended.
      const dv = new DataView(app.buffer, app.byteOffset, app.byteLength);
      expect(dv.getUint16(12, true)).toBe(id === 'esp32' ? 0 : 9);
      expect(app[23]).toBe(1);
      let pos = 24;
      let xor = 0xef;
      for (let i = 0; i < app[1]!; i++) {
        const len = dv.getUint32(pos + 4, true);
        for (const b of app.subarray(pos + 8, pos + 8 + len)) xor ^= b;
        pos += 8 + len;
      }
      const chkAt = (Math.floor(pos / 16) + 1) * 16 - 1;
      expect(app[chkAt]).toBe(xor);
      expect(app.length).toBe(chkAt + 1 + 32);
      expect(Buffer.from(app.subarray(chkAt + 1)).equals(createHash('sha256').update(app.subarray(0, chkAt + 1)).digest())).toBe(true);
      const p = parseImage(app);
      if (isProblem(p)) throw new Error(p.reason);
      expect(p.checksumComputed).toBe(p.checksumStored);
      expect(p.hashOk).toBe(true);
      expect(p.length).toBe(app.length);
      // checksum byte ends a 16-byte block
      expect((app.length - 32) % 16).toBe(0);
      const bad = Uint8Array.from(app);
      bad[p.segments[2]!.offset] ^= 1;
      const q = parseImage(bad);
      if (isProblem(q)) throw new Error(q.reason);
      expect(q.checksumComputed).not.toBe(q.checksumStored);
    });
  }
  it('factory image: bootloader at the chip offset, partition table with MD5 entry, app at 0x10000', () => {
    const chip = chipById('esp32');
    const app = buildTestApp({ chip });
    const f = buildFactoryImage(chip, app);
    expect(f.subarray(0, 0x1000).every((b) => b === 0xff)).toBe(true);
    expect(headerChipId(f, 0x1000)).toBe(0);
    const table = f.subarray(0x8000, 0x8c00);
    expect([table[0], table[1]]).toEqual([0xaa, 0x50]);
    const n = DEFAULT_PARTITIONS.length * 32;
    expect([table[n], table[n + 1]]).toEqual([0xeb, 0xeb]);
    expect(Buffer.from(table.subarray(n + 16, n + 32)).equals(createHash('md5').update(table.subarray(0, n)).digest())).toBe(true);
    expect(parsePartitionTable(table)).toEqual({ ok: true, partitions: DEFAULT_PARTITIONS });
    const broken = Uint8Array.from(buildPartitionTable(DEFAULT_PARTITIONS));
    broken[5] ^= 1;
    expect(parsePartitionTable(broken)).toEqual({ ok: false, reason: 'partition table MD5 mismatch' });
    expect(Buffer.from(f.subarray(0x10000)).equals(Buffer.from(app))).toBe(true);
  });
  it('identity JSON is one ASCII line with \\u escapes, findable in the image; models are found by TFL3', () => {
    const identity = { v: 1 as const, mww: '0.1.0', chip: 'esp32s3' as const, esphome: '2025.11.0', models: [{ id: 'hej', wakeWord: 'Hej Tröll', sha256: 'ab', arena: 1 }] };
    expect(identityJson(identity)).toContain('Hej Tr\\u00f6ll');
    const fake = new Uint8Array(64);
    fake.set([16, 0, 0, 0], 0);
    fake.set(Buffer.from('TFL3'), 4);
    const app = buildTestApp({ chip: chipById('esp32s3'), identity, models: [fake, fake] });
    expect(JSON.parse(findIdentityText(app)!)).toEqual(identity);
    const offs = findTfliteOffsets(app);
    expect(offs).toHaveLength(2);
    expect(Buffer.from(app.subarray(offs[0]!, offs[0]! + 64)).equals(Buffer.from(fake))).toBe(true);
  });
});

describe('boot log parsing (device-log.md, esphome-contract.md)', () => {
  it('strips ANSI and splits [L][tag:line]: message, with an optional task name', () => {
    expect(stripAnsi('\u001b[0;32m[I][app:029]: hi\u001b[0m')).toBe('[I][app:029]: hi');
    expect(parseLogLine('\u001b[0;32m[I][app:029]: ESPHome version 2025.11.0 compiled on x\u001b[0m')).toMatchObject({ level: 'I', tag: 'app', message: 'ESPHome version 2025.11.0 compiled on x' });
    expect(parseLogLine('[D][micro_wake_word:123][loopTask]: Wake Word \'Okay Nabu\' Detected')).toMatchObject({ level: 'D', tag: 'micro_wake_word' });
    expect(parseLogLine('rst:0x1 (POWERON)')).toEqual({ text: 'rst:0x1 (POWERON)', message: 'rst:0x1 (POWERON)' });
  });
  const id = '{"v":1,"mww":"0.1.0","chip":"esp32s3","esphome":"2025.11.0","models":[{"id":"okay_nabu","wakeWord":"Okay Nabu","sha256":"aa","arena":26080}]}';
  it('reports the arena failure with TFLM\'s numbers', () => {
    const r = analyzeBootLog([
      '[I][mww:042]: mww-identity ' + id,
      '[I][app:062]: ESPHome version 2025.11.0 compiled on Jan  1 2025',
      'Failed to resize buffer. Requested: 19440, available 11876, missing: 7564',
      '[E][micro_wake_word:120]: Failed to allocate tensors for the streaming model',
      '[E][mww:064]: mww-load {"v":1,"id":"okay_nabu","ok":false,"reason":"Failed to allocate tensors for the streaming model"}',
    ]);
    expect(r.complete).toBe(true);
    expect(r.ok).toBe(false);
    expect(r.models[0]).toMatchObject({ id: 'okay_nabu', loaded: false, requested: 19440, available: 11876 });
    expect(r.problems.join()).toContain('arena too small: requested 19440, available 11876');
  });
  it('flags a model hash that is not in the build, and ROM boot errors', () => {
    const r = analyzeBootLog(['[I][mww:042]: mww-identity ' + id, '[I][app:062]: ESPHome version 2025.11.0 compiled', '[I][mww:060]: mww-load {"v":1,"id":"okay_nabu","ok":true}'], { models: [{ file: 'models/okay_nabu.tflite', sha256: 'bb' }] });
    expect(r.ok).toBe(false);
    expect(r.problems.join()).toContain('the board runs a different build');
    const b = analyzeBootLog(['rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)', 'invalid header: 0xffffffff']);
    expect(b).toMatchObject({ ok: false, complete: true, bootError: 'invalid header: 0xffffffff' });
  });
});
