import { createHash } from 'node:crypto';
import { inflateSync, constants as zc } from 'node:zlib';
import type { ChipSpec } from '../chips/index.js';
import type { Clock } from '../clock.js';
import { Op, RomErr, SYNC_VALUE, checksum, concat, decodeRequest, encodeResponse } from '../protocol.js';
import { SlipDecoder, slipEncode } from '../slip.js';
import type { Signals } from '../transport/types.js';
import { bootLog, type ModelLoadCheck } from './boot.js';
import type { BoardEndpoint } from './link.js';
import { ChipRegisters } from './registers.js';

export type BoardMode = 'reset' | 'rom' | 'stub' | 'app' | 'off';
/** 'en-only': RTS reaches EN but nothing drives GPIO0 (boards without the auto-program transistor pair). */
export type ResetCircuit = 'classic' | 'usb-jtag' | 'en-only';

export interface VirtualBoardOptions {
  chip: ChipSpec;
  clock: Clock;
  /** Decides micro_wake_word's load result for the embedded models (see modelLoad.ts). */
  loadCheck: ModelLoadCheck;
  flashSize?: number;
  /** Flash contents present before the test (e.g. bootloader + partition table of an earlier flash). */
  initialFlash?: { offset: number; data: Uint8Array }[];
  /** How DTR/RTS reach EN and GPIO0: the two-transistor auto-reset circuit, or the S3's USB-Serial-JTAG. */
  resetCircuit?: ResetCircuit;
  /** State after power-on: in the serial loader (as a pty-attached sim starts), or booted from flash. */
  startIn?: 'rom' | 'app';
  /** Where the app logs: this UART (default), or only the native USB (an ESP32-S3 default) so this line shows
   *  just the ROM and bootloader output. */
  appLog?: 'uart' | 'usb-only';
}

const ROM_BAUD = 115200;
/** Time from RTS releasing EN until the chip leaves reset and samples its strapping pins (EN's RC delay). */
export const EN_RISE_MS = 5;
/** Both DTR/RTS circuits: EN is low (chip held in reset) for DTR=0 RTS=1; GPIO0 is low for DTR=1 RTS=0. */
const inReset = (x: Signals) => x.rts && !x.dtr;
const io0Low = (x: Signals) => x.dtr && !x.rts;

interface Transfer {
  kind: 'flash' | 'defl' | 'mem';
  offset: number;
  size: number;
  blocks: number;
  blockSize: number;
  nextSeq: number;
  compressed: Uint8Array[];
}

/**
 * A virtual ESP32 / ESP32-S3: the ROM serial loader (and the behaviour of a flasher stub once one is uploaded),
 * 4 MB of flash, the reset circuit, and a boot log derived from what is in flash. Speaks only bytes: it sits
 * behind a VirtualLink (in-process) or a real serial device (`mww sim --device`).
 */
export class VirtualBoard implements BoardEndpoint {
  readonly chip: ChipSpec;
  readonly flash: Uint8Array;
  mode: BoardMode = 'off';
  private baud = ROM_BAUD;
  private send: (bytes: Uint8Array) => void = () => {};
  private decoder = this.newDecoder();
  private transfer: Transfer | null = null;
  private signals: Signals = { dtr: false, rts: false };
  private jtagDownloadLatch = false;
  /** Bumped on every reset edge, so a pending "leave reset" from an earlier pulse does not boot the chip. */
  private resetGeneration = 0;
  private readonly circuit: ResetCircuit;
  /** eFuses, UART divider, SPI flash controller (READ_REG / WRITE_REG). */
  readonly registers: ChipRegisters;
  /** Everything the board printed outside the loader protocol (for tests). */
  readonly printed: string[] = [];
  /** Count of resets into each mode (for tests). */
  readonly boots = { rom: 0, app: 0 };

  constructor(private readonly opts: VirtualBoardOptions) {
    this.chip = opts.chip;
    this.flash = new Uint8Array(opts.flashSize ?? 4 * 1024 * 1024).fill(0xff);
    for (const r of opts.initialFlash ?? []) this.flash.set(r.data, r.offset);
    this.circuit = opts.resetCircuit ?? 'classic';
    this.registers = new ChipRegisters(this.chip, this.flash.length, () => this.baud);
  }

  get baudRate(): number {
    return this.baud;
  }

  attach(send: (bytes: Uint8Array) => void): void {
    this.send = send;
  }

  /** Power on (after attach): into the loader or booting from flash. */
  powerOn(): void {
    this.boot(this.opts.startIn === 'rom' ? 'rom' : 'app');
  }

  receive(bytes: Uint8Array): void {
    if (this.mode === 'rom' || this.mode === 'stub') this.decoder.push(bytes);
  }

  setSignals(s: Signals): void {
    const prev = this.signals;
    this.signals = s;
    if (this.circuit === 'usb-jtag' && io0Low(s)) this.jtagDownloadLatch = true;
    if (inReset(s) && !inReset(prev)) {
      this.mode = 'reset';
      this.transfer = null;
      this.resetGeneration++;
    } else if (!inReset(s) && inReset(prev)) {
      if (this.circuit === 'usb-jtag') {
        // The USB-Serial-JTAG peripheral resets the chip digitally and latched the download request.
        const download = this.jtagDownloadLatch || io0Low(s);
        this.jtagDownloadLatch = false;
        this.boot(download ? 'rom' : 'app');
        return;
      }
      // Auto-reset circuit: EN rises through its RC network, and the chip samples GPIO0 only when EN crosses
      // the threshold, milliseconds after RTS released it. esptool's classic reset relies on this: it sets DTR
      // and RTS one after the other, passing through DTR=1 RTS=1 (EN released, GPIO0 still high) just before
      // GPIO0 goes low. Sampling at the instant EN is released would boot the app on every real flasher.
      const generation = ++this.resetGeneration;
      void this.opts.clock.sleep(EN_RISE_MS).then(() => {
        if (generation !== this.resetGeneration || inReset(this.signals)) return;
        this.boot(this.circuit === 'classic' && io0Low(this.signals) ? 'rom' : 'app');
      });
    }
  }

  /** Reset and boot as the strapping says. */
  boot(into: 'rom' | 'app'): void {
    this.baud = ROM_BAUD;
    this.transfer = null;
    this.decoder = this.newDecoder();
    if (into === 'rom') {
      this.mode = 'rom';
      this.boots.rom++;
      this.print(this.chip.downloadBanner);
      return;
    }
    this.mode = 'app';
    this.boots.app++;
    const log = bootLog(this.chip, this.flash, this.opts.loadCheck);
    this.print(this.opts.appLog === 'usb-only' && log.appFrom !== null ? log.lines.slice(0, log.appFrom) : log.lines);
  }

  private newDecoder(): SlipDecoder {
    return new SlipDecoder((f) => this.onFrame(f));
  }

  private print(lines: string[]): void {
    this.printed.push(...lines);
    this.send(Buffer.from(lines.map((l) => l + '\r\n').join(''), 'latin1'));
  }

  private reply(op: number, value: number, data: Uint8Array = new Uint8Array(0), error = 0): void {
    const status = this.mode === 'stub' ? Uint8Array.of(error ? 1 : 0, error) : Uint8Array.of(error ? 1 : 0, error, 0, 0);
    this.send(slipEncode(encodeResponse(op, value, concat(data, status))));
  }

  private onFrame(frame: Uint8Array): void {
    if (this.mode !== 'rom' && this.mode !== 'stub') return;
    const req = decodeRequest(frame);
    if (!req) {
      // A frame whose length field disagrees with its size: the ROM answers "invalid message" when it can
      // still read the command byte.
      if (frame.length >= 2 && frame[0] === 0x00) this.reply(frame[1]!, 0, undefined, RomErr.INVALID_MESSAGE);
      return;
    }
    const dv = new DataView(req.data.buffer, req.data.byteOffset, req.data.byteLength);
    const word = (i: number) => (req.data.length >= (i + 1) * 4 ? dv.getUint32(i * 4, true) : 0);
    const stub = this.mode === 'stub';
    switch (req.op) {
      case Op.SYNC: {
        if (req.data.length !== 36 || req.data[0] !== 0x07 || req.data[3] !== 0x20) return this.reply(req.op, 0, undefined, RomErr.INVALID_MESSAGE);
        if (stub) return this.reply(req.op, 0);
        for (let i = 0; i < 8; i++) this.reply(req.op, SYNC_VALUE);
        return;
      }
      case Op.READ_REG:
        return this.reply(req.op, this.registers.read(word(0)));
      case Op.WRITE_REG: {
        // address, value, mask, delay_us — optionally repeated (esptool packs several writes in one command).
        if (req.data.length === 0 || req.data.length % 16) return this.reply(req.op, 0, undefined, RomErr.INVALID_MESSAGE);
        for (let i = 0; i < req.data.length / 16; i++) this.registers.write(word(i * 4), word(i * 4 + 1), word(i * 4 + 2));
        return this.reply(req.op, 0);
      }
      case Op.GET_SECURITY_INFO: {
        if (!this.chip.securityInfo) return this.reply(req.op, 0, undefined, RomErr.INVALID_MESSAGE);
        const info = new Uint8Array(20);
        new DataView(info.buffer).setUint32(12, this.chip.imageChipId, true);
        return this.reply(req.op, 0, info);
      }
      case Op.SPI_ATTACH:
      case Op.SPI_SET_PARAMS:
        return this.reply(req.op, 0);
      case Op.CHANGE_BAUDRATE: {
        const newBaud = word(0);
        if (newBaud < 9600 || newBaud > 5_000_000) return this.reply(req.op, 0, undefined, RomErr.INVALID_MESSAGE);
        this.reply(req.op, 0);
        this.baud = newBaud; // the answer above still leaves at the old rate
        return;
      }
      case Op.FLASH_BEGIN:
      case Op.FLASH_DEFL_BEGIN:
      case Op.MEM_BEGIN: {
        const words = req.data.length / 4;
        const wantWords = req.op !== Op.MEM_BEGIN && !stub && this.chip.romBeginHasEncryptedWord ? 5 : 4;
        if (words !== wantWords) return this.reply(req.op, 0, undefined, RomErr.INVALID_MESSAGE);
        const [size, blocks, blockSize, offset] = [word(0), word(1), word(2), word(3)];
        const kind = req.op === Op.MEM_BEGIN ? 'mem' : req.op === Op.FLASH_BEGIN ? 'flash' : 'defl';
        if (kind !== 'mem') {
          if (offset + size > this.flash.length) return this.reply(req.op, 0, undefined, RomErr.FAILED);
          // Erase whole 4 KiB sectors covering the region (the real ROM erases as it goes; same result).
          const from = offset - (offset % 0x1000);
          const to = Math.min(this.flash.length, Math.ceil((offset + size) / 0x1000) * 0x1000);
          this.flash.fill(0xff, from, to);
        }
        this.transfer = { kind, offset, size, blocks, blockSize, nextSeq: 0, compressed: [] };
        return this.reply(req.op, 0);
      }
      case Op.FLASH_DATA:
      case Op.FLASH_DEFL_DATA:
      case Op.MEM_DATA:
        return this.onData(req.op, req.data, req.checksum);
      case Op.FLASH_END:
      case Op.FLASH_DEFL_END: {
        this.reply(req.op, 0);
        this.transfer = null;
        if (req.data.length >= 4 && word(0) === 0) this.boot('app'); // 0 = reboot into the app
        return;
      }
      case Op.MEM_END: {
        const t = this.transfer;
        if (!t || t.kind !== 'mem') return this.reply(req.op, 0, undefined, RomErr.FAILED);
        this.reply(req.op, 0);
        this.transfer = null;
        if (word(0) === 0 && word(1) !== 0) {
          // The uploaded stub starts and says hello; from now on it answers with 2-byte status.
          this.mode = 'stub';
          this.send(slipEncode(Buffer.from('OHAI', 'ascii')));
        }
        return;
      }
      case Op.SPI_FLASH_MD5: {
        const [addr, size] = [word(0), word(1)];
        if (addr + size > this.flash.length) return this.reply(req.op, 0, undefined, RomErr.FAILED);
        const md5 = createHash('md5').update(this.flash.subarray(addr, addr + size)).digest();
        return this.reply(req.op, 0, stub ? md5 : Buffer.from(md5.toString('hex'), 'ascii'));
      }
      case Op.ERASE_FLASH:
        if (!stub) return this.reply(req.op, 0, undefined, RomErr.INVALID_MESSAGE);
        this.flash.fill(0xff);
        return this.reply(req.op, 0);
      case Op.ERASE_REGION: {
        if (!stub) return this.reply(req.op, 0, undefined, RomErr.INVALID_MESSAGE);
        const [addr, size] = [word(0), word(1)];
        if (addr % 0x1000 || size % 0x1000 || addr + size > this.flash.length) return this.reply(req.op, 0, undefined, RomErr.FAILED);
        this.flash.fill(0xff, addr, addr + size);
        return this.reply(req.op, 0);
      }
      case Op.READ_FLASH: {
        if (!stub) return this.reply(req.op, 0, undefined, RomErr.INVALID_MESSAGE);
        const [addr, size, packet] = [word(0), word(1), word(2)];
        if (addr + size > this.flash.length || packet === 0) return this.reply(req.op, 0, undefined, RomErr.FAILED);
        this.reply(req.op, 0);
        // The stub streams data packets (the host acknowledges them; this board does not wait for the acks),
        // then the raw MD5 of the whole range.
        const data = this.flash.subarray(addr, addr + size);
        for (let o = 0; o < size; o += packet) this.send(slipEncode(data.subarray(o, Math.min(size, o + packet))));
        this.send(slipEncode(createHash('md5').update(data).digest()));
        return;
      }
      case Op.RUN_USER_CODE:
        if (!stub) return this.reply(req.op, 0, undefined, RomErr.INVALID_MESSAGE);
        this.boot('app');
        return;
      default:
        return this.reply(req.op, 0, undefined, RomErr.INVALID_MESSAGE);
    }
  }

  private onData(op: number, data: Uint8Array, chk: number): void {
    const t = this.transfer;
    const want = op === Op.FLASH_DATA ? 'flash' : op === Op.FLASH_DEFL_DATA ? 'defl' : 'mem';
    if (!t || t.kind !== want || data.length < 16) return this.reply(op, 0, undefined, RomErr.FAILED);
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const len = dv.getUint32(0, true);
    const seq = dv.getUint32(4, true);
    const payload = data.subarray(16);
    if (len !== payload.length) return this.reply(op, 0, undefined, RomErr.INVALID_MESSAGE);
    if (checksum(payload) !== (chk & 0xff)) return this.reply(op, 0, undefined, RomErr.BAD_CRC);
    // A repeated block whose acknowledgement was lost: acknowledge again without applying it twice.
    if (seq < t.nextSeq) return this.reply(op, 0);
    if (seq !== t.nextSeq || seq >= t.blocks) return this.reply(op, 0, undefined, RomErr.FAILED);
    t.nextSeq++;
    if (t.kind === 'flash') {
      const at = t.offset + seq * t.blockSize;
      this.flash.set(payload.subarray(0, Math.max(0, Math.min(payload.length, this.flash.length - at))), at);
    } else if (t.kind === 'defl') {
      t.compressed.push(Uint8Array.from(payload));
      if (seq === t.blocks - 1) {
        let raw: Buffer;
        try {
          raw = inflateSync(concat(...t.compressed), { finishFlush: zc.Z_SYNC_FLUSH });
        } catch {
          return this.reply(op, 0, undefined, RomErr.DEFLATE);
        }
        if (raw.length > t.size) return this.reply(op, 0, undefined, RomErr.DEFLATE);
        this.flash.set(raw, t.offset);
      }
    }
    return this.reply(op, 0);
  }
}
