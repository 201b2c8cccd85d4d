/**
 * mww's own ESP ROM loader client.
 *
 * Why not esptool-js (the issue prefers it): esptool-js waits with real setTimeout sleeps and its own read
 * timeouts, so a fault-injection suite of hundreds of runs against the virtual board would take minutes of real
 * time and be timing-sensitive on a loaded machine; it needs a Web-Serial shim with several known traps
 * (HardReset without RTS, unawaited errors after no_reset, MD5 only with calculateMD5Hash); it uploads a flasher
 * stub whose blob we would depend on; and it does not retry a failed data block. This client speaks the ROM's
 * documented protocol directly (serial-protocol.md), runs on an injectable Clock, retries blocks and MD5 reads,
 * and turns every failure into a specific MwwError. The ROM loaders of ESP32 and ESP32-S3 support everything we
 * need without a stub: compressed writes, SPI_FLASH_MD5 and CHANGE_BAUDRATE.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { MwwError } from '../../errors.js';
import { CHIP_MAGIC_REG, chipByMagic, chipBySecurityId, type ChipSpec } from '../chips/index.js';
import type { Clock } from '../clock.js';
import { Op, ROM_BLOCK, RomError, SYNC_PAYLOAD, SYNC_VALUE, checksum, concat, decodeResponse, encodeRequest, opLabel, u32le } from '../protocol.js';
import type { SerialTransport } from '../transport/types.js';
import { FrameConnection } from './connection.js';

export interface LoaderTimeouts {
  /** Ordinary command. */
  command: number;
  /** Waiting for a SYNC answer. */
  sync: number;
  /** Per MB for erase (FLASH_DEFL_BEGIN) and MD5. */
  perMb: number;
}

export const DEFAULT_TIMEOUTS: LoaderTimeouts = { command: 3000, sync: 100, perMb: 30000 };

export class StatusError extends Error {
  constructor(
    readonly op: number,
    readonly code: number,
  ) {
    super(`${opLabel(op)} failed: ${RomError[code] ?? `error 0x${code.toString(16)}`}`);
  }
}

export class TimeoutError extends Error {
  constructor(readonly op: number, ms: number) {
    super(`no answer to ${opLabel(op)} within ${ms} ms`);
  }
}

export interface RegionResult {
  offset: number;
  size: number;
  compressedSize: number;
  md5: string;
  attempts: number;
}

export class RomLoader {
  readonly conn: FrameConnection;
  private readonly timeouts: LoaderTimeouts;
  chip: ChipSpec | null = null;
  /** Block-level retries that happened (reported, and used by tests). */
  retries = 0;

  constructor(
    readonly transport: SerialTransport,
    readonly clock: Clock,
    timeouts: Partial<LoaderTimeouts> = {},
  ) {
    this.conn = new FrameConnection(transport, clock);
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...timeouts };
  }

  get path(): string {
    return this.transport.info.path;
  }

  /** Send one command and wait for its response (other frames are skipped). Checks the 4-byte ROM status. */
  async command(op: number, data: Uint8Array, opts: { checksum?: number; timeout?: number } = {}): Promise<{ value: number; data: Uint8Array }> {
    const timeout = opts.timeout ?? this.timeouts.command;
    await this.conn.sendFrame(encodeRequest(op, data, opts.checksum ?? 0));
    const deadline = this.clock.now() + timeout;
    for (;;) {
      const left = deadline - this.clock.now();
      const frame = left > 0 ? await this.conn.readFrame(left) : null;
      if (!frame) throw new TimeoutError(op, timeout);
      const r = decodeResponse(frame);
      if (!r || r.op !== op || r.body.length < 4) continue; // stale SYNC answers, noise, other commands
      const status = r.body[r.body.length - 4]!;
      const error = r.body[r.body.length - 3]!;
      if (status !== 0) throw new StatusError(op, error);
      return { value: r.value, data: r.body.subarray(0, r.body.length - 4) };
    }
  }

  /** One SYNC attempt; true when the ROM answered. Drains its extra answers. */
  async sync(): Promise<boolean> {
    try {
      const r = await this.command(Op.SYNC, SYNC_PAYLOAD, { timeout: this.timeouts.sync });
      if (r.value !== SYNC_VALUE && r.value !== 0) return false;
    } catch (e) {
      if (e instanceof TimeoutError || e instanceof StatusError) return false;
      throw e;
    }
    // The ROM answers a SYNC eight times; let the rest arrive and drop them.
    while (await this.conn.readFrame(20)) {
      /* drain */
    }
    return true;
  }

  /** A command that is safe to repeat, retried on lost or garbled answers; failures become specific MwwErrors. */
  async commandRetry(op: number, data: Uint8Array, opts: { timeout?: number; attempts?: number } = {}): Promise<{ value: number; data: Uint8Array }> {
    return this.retryable(`${opLabel(op)} failed after ${opts.attempts ?? 3} attempts`, opts.attempts ?? 3, () => this.command(op, data, opts));
  }

  async readReg(addr: number): Promise<number> {
    return (await this.commandRetry(Op.READ_REG, u32le(addr))).value >>> 0;
  }

  /** ESP32-S3 answers GET_SECURITY_INFO with its chip id; the ESP32 ROM does not know it: read the chip magic. */
  async detectChip(): Promise<ChipSpec> {
    // Answers carry no checksum: a garbled chip id must not name the wrong chip, so the security info (when the
    // ROM has it) and two reads of the chip magic must agree.
    for (let attempt = 0; attempt < 3; attempt++) {
      const a = await this.detectOnce();
      const b = chipByMagic(await this.readReg(CHIP_MAGIC_REG));
      if (a === b) {
        if (typeof a === 'string') {
          throw new MwwError('unsupported', `the board on ${this.path} is ${a}: mww flashes ESP32 and ESP32-S3 only`, { details: { chip: a } });
        }
        this.chip = a;
        return a;
      }
      this.retries++;
    }
    throw new MwwError('device', `the board on ${this.path} gave inconsistent chip identification three times: the serial line is unreliable (cable, baud)`);
  }

  private async detectOnce(): Promise<ChipSpec | string> {
    let found: ChipSpec | string | null = null;
    try {
      const r = await this.command(Op.GET_SECURITY_INFO, new Uint8Array(0));
      // A garbled answer or an error status (the ESP32 ROM does not know the command): fall back to the magic.
      if (r.data.length === 20) found = chipBySecurityId(new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength).getUint32(12, true));
    } catch (e) {
      if (!(e instanceof StatusError || e instanceof TimeoutError)) throw e;
      this.conn.flushInput();
    }
    return found ?? chipByMagic(await this.readReg(CHIP_MAGIC_REG));
  }

  async attachFlash(flashSize = 4 * 1024 * 1024): Promise<void> {
    await this.commandRetry(Op.SPI_ATTACH, u32le(0, 0));
    await this.commandRetry(Op.SPI_SET_PARAMS, u32le(0, flashSize, 0x10000, 0x1000, 0x100, 0xffff));
  }

  /** Switch both ends to `baud`, then check the board still answers. */
  async changeBaud(baud: number): Promise<void> {
    await this.commandRetry(Op.CHANGE_BAUDRATE, u32le(baud, 0));
    await this.transport.setBaudRate(baud);
    await this.clock.sleep(50);
    this.conn.flushInput();
    try {
      await this.readReg(CHIP_MAGIC_REG);
    } catch (e) {
      if (e instanceof MwwError && e.kind !== 'device') throw e;
      throw new MwwError('device', `the board on ${this.path} stopped answering after switching to ${baud} baud: try a lower --baud (e.g. 115200) or a shorter/better USB cable`);
    }
  }

  private retryable<T>(what: string, attempts: number, fn: () => Promise<T>): Promise<T> {
    const run = async (left: number): Promise<T> => {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof MwwError || left <= 1) throw e;
        this.retries++;
        // Let late answers to the failed attempt arrive, then drop them.
        await this.clock.sleep(10);
        this.conn.flushInput();
        return run(left - 1);
      }
    };
    return run(attempts).catch((e) => {
      if (e instanceof MwwError) throw e;
      throw new MwwError('device', `${what}: ${(e as Error).message}`, { details: { reason: e instanceof TimeoutError ? 'timeout' : 'status' } });
    });
  }

  /** The flash MD5 of a range, as lowercase hex (the ROM answers 32 ASCII hex characters, a stub 16 raw bytes). */
  async flashMd5(offset: number, size: number): Promise<string> {
    const r = await this.command(Op.SPI_FLASH_MD5, u32le(offset, size, 0, 0), { timeout: this.sizedTimeout(size) });
    if (r.data.length === 16) return Buffer.from(r.data).toString('hex');
    return Buffer.from(r.data.subarray(0, 32)).toString('latin1').toLowerCase();
  }

  private sizedTimeout(size: number): number {
    return Math.max(this.timeouts.command, Math.ceil((size / (1024 * 1024)) * this.timeouts.perMb));
  }

  /**
   * Write one region compressed, then compare the flash MD5 with the data's. Data blocks are retried (a block
   * whose answer was lost is acknowledged again by the loader without being applied twice); a region whose MD5
   * does not match after a second read is written once more before giving up.
   */
  async writeRegion(offset: number, data: Uint8Array, onBlock?: (done: number, total: number) => void): Promise<RegionResult> {
    const chip = this.chip;
    if (!chip) throw new Error('writeRegion before detectChip');
    const compressed = deflateSync(data, { level: 9 });
    const blocks = Math.ceil(compressed.length / ROM_BLOCK);
    const want = createHash('md5').update(data).digest('hex');
    const where = `region 0x${offset.toString(16)} (${data.length} bytes)`;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const begin = [data.length, blocks, ROM_BLOCK, offset, ...(chip.romBeginHasEncryptedWord ? [0] : [])];
      await this.retryable(`erasing ${where} failed`, 3, () => this.command(Op.FLASH_DEFL_BEGIN, u32le(...begin), { timeout: this.sizedTimeout(data.length) }));
      for (let seq = 0; seq < blocks; seq++) {
        const block = compressed.subarray(seq * ROM_BLOCK, (seq + 1) * ROM_BLOCK);
        const payload = concat(u32le(block.length, seq, 0, 0), block);
        await this.retryable(`writing block ${seq + 1}/${blocks} of ${where} failed after 3 attempts`, 3, () =>
          this.command(Op.FLASH_DEFL_DATA, payload, { checksum: checksum(block), timeout: this.sizedTimeout(ROM_BLOCK * 4) }),
        );
        onBlock?.(seq + 1, blocks);
      }
      let got = await this.retryable(`reading the MD5 of ${where} failed`, 3, () => this.flashMd5(offset, data.length));
      if (got !== want) got = await this.retryable(`reading the MD5 of ${where} failed`, 3, () => this.flashMd5(offset, data.length));
      if (got === want) return { offset, size: data.length, compressedSize: compressed.length, md5: want, attempts: attempt };
      if (attempt === 2) {
        throw new MwwError('verify', `MD5 mismatch after writing ${where} twice: flash has ${got}, expected ${want}. The flash content is wrong; run mww flash again (a poor cable or a too-high --baud cause this)`, {
          details: { offset, expected: want, found: got },
        });
      }
      this.retries++;
    }
    throw new Error('unreachable');
  }

  /** Leave the loader: stay in it (then reset by RTS), or ask the ROM to run the app (ports without modem lines). */
  async finish(reboot: boolean): Promise<void> {
    await this.commandRetry(Op.FLASH_DEFL_END, u32le(reboot ? 0 : 1), { attempts: 2 });
  }

  dispose(): void {
    this.conn.dispose();
  }
}
