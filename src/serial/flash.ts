import { MwwError } from '../errors.js';
import type { Chip } from '../micro/arena/index.js';
import { imageChipName, type ChipSpec } from './chips/index.js';
import type { Clock } from './clock.js';
import { connectLoader, type BeforeReset } from './connect.js';
import { headerChipId } from './image.js';
import type { LoaderTimeouts, RegionResult, RomLoader } from './loader/loader.js';
import { APP_OFFSET } from './partitions.js';
import { hardReset } from './reset.js';
import { isUsbSerialJtag, type SerialTransport } from './transport/types.js';

export interface FlashRegion {
  offset: number;
  data: Uint8Array;
  /** For messages: the file it came from. */
  name: string;
}

export interface FlashOptions {
  clock: Clock;
  /** Expected chip (--chip); the detected one must match. */
  chip?: Chip;
  /** Baud for the transfer (the loader is reached at 115200 first). */
  baud?: number;
  before?: BeforeReset;
  /** After writing: reset into the app (default), or stay in the loader. */
  after?: 'hard-reset' | 'no-reset';
  timeouts?: Partial<LoaderTimeouts>;
  warn?: (msg: string) => void;
  info?: (msg: string) => void;
  onProgress?: (written: number, total: number) => void;
  /** Called just before the board is restarted into the app (start listening for the boot log here). */
  onRestart?: () => void;
}

export interface FlashResult {
  chip: ChipSpec['id'];
  chipName: string;
  baud: number;
  regions: (RegionResult & { name: string })[];
  retries: number;
  /** How the board was restarted into the app: RTS pulse, the loader's own reboot, or not at all. */
  restart: 'hard-reset' | 'loader-reboot' | 'none';
}

/**
 * Check that every image header in the regions was built for `chip`, before anything is written. Headers are
 * looked for where ESP-IDF places them for this chip: its bootloader offset and the app at 0x10000 (0x1000 of an
 * ESP32-S3 factory image is inside its bootloader, so it is not looked at there).
 */
export function checkImagesForChip(regions: FlashRegion[], chip: ChipSpec): void {
  for (const r of regions) {
    let found = false;
    for (const at of [chip.bootloaderOffset, APP_OFFSET]) {
      if (at < r.offset || at >= r.offset + r.data.length) continue;
      const id = headerChipId(r.data, at - r.offset);
      if (id === null) continue;
      found = true;
      if (id !== chip.imageChipId) {
        throw new MwwError('input', `${r.name} was built for ${imageChipName(id)} (image chip id ${id} at flash offset 0x${at.toString(16)}), but the board is an ${chip.name}: refusing to write it`, {
          details: { reason: 'wrong-chip', imageChip: imageChipName(id), boardChip: chip.name },
        });
      }
    }
    if (!found && (r.offset === 0 || r.offset === APP_OFFSET || r.offset === chip.bootloaderOffset)) {
      throw new MwwError('input', `${r.name} is not an ESP firmware image for offset 0x${r.offset.toString(16)} (no image header with magic 0xE9 where ${chip.name} expects one)`, { details: { reason: 'not-an-image' } });
    }
  }
}

function checkFits(regions: FlashRegion[]): void {
  const sorted = [...regions].sort((a, b) => a.offset - b.offset);
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i]!;
    if (r.offset % 0x1000 !== 0) throw new MwwError('usage', `offset 0x${r.offset.toString(16)} for ${r.name} is not a multiple of the 4 KiB flash sector size`);
    if (r.offset + r.data.length > 16 * 1024 * 1024) throw new MwwError('input', `${r.name} (${r.data.length} bytes at 0x${r.offset.toString(16)}) does not fit in 16 MB of flash`);
    const next = sorted[i + 1];
    if (next && r.offset + r.data.length > next.offset) throw new MwwError('usage', `${r.name} at 0x${r.offset.toString(16)} overlaps ${next.name} at 0x${next.offset.toString(16)}`);
  }
}

/**
 * Flash regions to a board: reset into the loader, detect the chip, refuse foreign images, raise the baud,
 * write every region compressed and compare its MD5, then restart the board into the app.
 */
export async function flashRegions(transport: SerialTransport, regions: FlashRegion[], opts: FlashOptions): Promise<FlashResult> {
  checkFits(regions);
  const { clock } = opts;
  const warn = opts.warn ?? (() => {});
  let noModemLines = opts.before === 'no-reset';
  const { loader, chip } = await connectLoader(transport, {
    clock,
    before: opts.before,
    timeouts: opts.timeouts,
    warn: (m) => {
      noModemLines = true;
      warn(m);
    },
  });
  try {
    if (opts.chip && opts.chip !== chip.id) {
      throw new MwwError('input', `--chip ${opts.chip} was given, but the board on ${transport.info.path} is an ${chip.name}`, { details: { reason: 'wrong-chip' } });
    }
    checkImagesForChip(regions, chip);
    opts.info?.(`connected to ${chip.name} on ${transport.info.path}`);
    await loader.attachFlash();
    const baud = opts.baud ?? 460800;
    if (baud !== transport.baudRate) await loader.changeBaud(baud);
    const total = regions.reduce((n, r) => n + r.data.length, 0);
    let before = 0;
    const results: FlashResult['regions'] = [];
    for (const r of regions) {
      const res = await writeWithContext(loader, r, (done, blocks) => opts.onProgress?.(before + Math.round((r.data.length * done) / blocks), total));
      results.push({ ...res, name: r.name });
      before += r.data.length;
    }
    let restart: FlashResult['restart'] = 'none';
    if (opts.after !== 'no-reset') {
      opts.onRestart?.();
      // Every region is verified at this point: a lost answer to the final command is not a failed flash.
      const finish = (reboot: boolean) =>
        loader.finish(reboot).catch((e: unknown) => {
          if (e instanceof MwwError && e.details?.reason === 'disconnected') throw e;
          warn(`the board did not acknowledge the end of the transfer (${(e as Error).message}); the written data is verified`);
        });
      if (noModemLines) {
        await finish(true);
        restart = 'loader-reboot';
      } else {
        await finish(false);
        await transport.setBaudRate(115200);
        await hardReset(transport, clock, isUsbSerialJtag(transport.info));
        restart = 'hard-reset';
      }
    }
    return { chip: chip.id, chipName: chip.name, baud, regions: results, retries: loader.retries, restart };
  } finally {
    loader.dispose();
  }
}

async function writeWithContext(loader: RomLoader, r: FlashRegion, onBlock: (done: number, total: number) => void): Promise<RegionResult> {
  let last = { done: 0, total: 0 };
  try {
    return await loader.writeRegion(r.offset, r.data, (done, total) => {
      last = { done, total };
      onBlock(done, total);
    });
  } catch (e) {
    if (e instanceof MwwError && e.details?.reason === 'disconnected') {
      throw new MwwError('io', `${loader.path}: the board was disconnected while writing ${r.name} at 0x${r.offset.toString(16)} (after block ${last.done}${last.total ? `/${last.total}` : ''}): the flash is incomplete — reconnect the board and run mww flash again`, {
        details: { reason: 'disconnected', offset: r.offset },
      });
    }
    if (e instanceof MwwError && e.kind === 'device') {
      throw new MwwError('device', `${loader.path}: ${e.message}. The flash is incomplete — run mww flash again`, { details: { ...e.details, offset: r.offset } });
    }
    throw e;
  }
}
