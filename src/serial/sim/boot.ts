import type { ChipSpec } from '../chips/index.js';
import { IDENTITY_MARKER, findIdentityText, findTfliteOffsets, isProblem, parseImage } from '../image.js';
import { PARTITION_TABLE_OFFSET, PARTITION_TABLE_SIZE, parsePartitionTable } from '../partitions.js';

/** How a model fares when micro_wake_word allocates its tensors in the configured arena. */
export type ModelLoadOutcome = { ok: true } | { ok: false; requested: number; available: number } | { ok: false; invalid: string };
export type ModelLoadCheck = (model: Uint8Array, arena: number, chip: ChipSpec) => ModelLoadOutcome;

const ANSI: Record<string, string> = { E: '\u001b[1;31m', W: '\u001b[0;33m', I: '\u001b[0;32m', C: '\u001b[0;35m', D: '\u001b[0;36m' };
/** One ESPHome log line as the logger writes it, colours included. */
export function esphomeLine(level: 'E' | 'W' | 'I' | 'C' | 'D', tag: string, line: number, message: string): string {
  return `${ANSI[level]}[${level}][${tag}:${String(line).padStart(3, '0')}]: ${message}\u001b[0m`;
}

const hex8 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/**
 * What a board prints on its UART after a reset into flash boot, derived from the flash contents: the ROM
 * banner, then the ROM's error for a missing/garbled bootloader, the 2nd-stage bootloader's checks of the
 * partition table and the app image, and for a bootable app an ESPHome-like boot log with the mww glue's
 * identity line (found in the image) and micro_wake_word's load result per model (decided by `check`).
 */
export function bootLog(chip: ChipSpec, flash: Uint8Array, check: ModelLoadCheck): { lines: string[]; appFrom: number | null } {
  const out: string[] = [];
  const appFrom = bootLines(chip, flash, check, out);
  return { lines: out, appFrom };
}

/** Fills `out`; returns the index where the application's own log starts (null when it never starts). */
function bootLines(chip: ChipSpec, flash: Uint8Array, check: ModelLoadCheck, out: string[]): number | null {
  out.push(...chip.flashBootBanner);
  const bl = flash.subarray(chip.bootloaderOffset);
  const blImage = parseImage(bl);
  if (isProblem(blImage)) {
    const word = new DataView(bl.buffer, bl.byteOffset, 4).getUint32(0, true);
    // The ROM retries forever (watchdog reset loop); three rounds are enough to recognise it.
    for (let i = 0; i < 3; i++) out.push(`invalid header: ${hex8(word)}`);
    return null;
  }
  if (blImage.checksumStored !== blImage.checksumComputed) {
    out.push(`Checksum failure. Calculated 0x${blImage.checksumComputed.toString(16)} stored 0x${blImage.checksumStored.toString(16)}`, 'ets_main.c 371');
    return null;
  }
  out.push(`load:${hex8(blImage.segments[0]!.address)},len:${blImage.segments[0]!.length}`, `entry ${hex8(blImage.entry)}`);
  out.push('I (27) boot: ESP-IDF 5.1.6 2nd stage bootloader', 'I (27) boot: compile time Jan  1 2025 00:00:00', `I (28) boot: chip revision: v0.2`);
  const table = parsePartitionTable(flash.subarray(PARTITION_TABLE_OFFSET, PARTITION_TABLE_OFFSET + PARTITION_TABLE_SIZE));
  if (!table.ok) {
    out.push(`E (45) flash_parts: ${table.reason}`, 'E (45) boot: load partition table error!');
    return null;
  }
  const apps = table.partitions.filter((p) => p.type === 0).sort((a, b) => a.subtype - b.subtype);
  if (apps.length === 0) {
    out.push('E (52) boot: No bootable app partitions in the partition table');
    return null;
  }
  const app = apps[0]!;
  const appBytes = flash.subarray(app.offset, app.offset + app.size);
  const img = parseImage(appBytes);
  const fail = (msg: string): null => {
    out.push(`E (60) esp_image: ${msg}`, `E (62) boot: ${app.label === 'factory' ? 'Factory app partition' : `OTA app partition slot 0`} is not bootable`, 'E (63) boot: No bootable app partitions in the partition table');
    return null;
  };
  if (isProblem(img)) return fail(appBytes[0] === 0xff ? `image at ${hex8(app.offset).replace(/^0x0*/, '0x')} has invalid magic byte (nothing flashed here?)` : `image at 0x${app.offset.toString(16)}: ${img.reason}`);
  if (img.chipId !== chip.imageChipId) return fail(`mismatch chip ID, expected ${chip.imageChipId}, found ${img.chipId}`);
  if (img.checksumStored !== img.checksumComputed) return fail(`Checksum failed. Calculated 0x${img.checksumComputed.toString(16)} read 0x${img.checksumStored.toString(16)}`);
  if (img.hashOk === false) return fail('Image hash failed - image is corrupt');
  out.push(`I (80) boot: Loaded app from partition at offset 0x${app.offset.toString(16)}`, 'I (81) boot: Disabling RNG early entropy source...');
  const appFrom = out.length;
  out.push(...appLog(chip, appBytes.subarray(0, img.length), check));
  return appFrom;
}

interface IdentityLike {
  esphome?: unknown;
  models?: { id?: unknown; wakeWord?: unknown; arena?: unknown }[];
}

function appLog(chip: ChipSpec, image: Uint8Array, check: ModelLoadCheck): string[] {
  const idText = findIdentityText(image);
  let identity: IdentityLike = {};
  try {
    if (idText) identity = JSON.parse(idText) as IdentityLike;
  } catch {
    identity = {};
  }
  const version = typeof identity.esphome === 'string' ? identity.esphome : '2025.11.0';
  const out: string[] = [
    esphomeLine('I', 'logger', 34, 'Log initialized'),
    esphomeLine('C', 'safe_mode', 79, 'There have been 0 suspected unsuccessful boot attempts'),
    esphomeLine('I', 'app', 29, 'Running through setup()...'),
  ];
  // The glue logs its identity in setup() and again in dump_config() (docs/device-log.md).
  if (idText) out.push(esphomeLine('I', 'mww', 42, `${IDENTITY_MARKER}${idText}`));
  out.push(esphomeLine('I', 'app', 100, 'setup() finished successfully!'), esphomeLine('I', 'app', 62, `ESPHome version ${version} compiled on Jan  1 2025, 00:00:00`));
  const models = Array.isArray(identity.models) ? identity.models : [];
  if (models.length > 0) {
    out.push(esphomeLine('C', 'micro_wake_word', 51, 'microWakeWord:'), esphomeLine('C', 'micro_wake_word', 52, '  models:'));
    for (const m of models) out.push(esphomeLine('C', 'micro_wake_word', 15, `    - Wake Word: ${String(m.wakeWord ?? m.id)}`));
  }
  if (idText) out.push(esphomeLine('I', 'mww', 42, `${IDENTITY_MARKER}${idText}`));
  const offsets = findTfliteOffsets(image);
  models.forEach((m, i) => {
    const id = String(m.id);
    const at = offsets[i];
    const r: ModelLoadOutcome = at === undefined ? { ok: false, invalid: 'model data not found in the firmware' } : check(image.subarray(at), Number(m.arena), chip);
    if (r.ok) {
      out.push(esphomeLine('I', 'mww', 60, `mww-load {"v":1,"id":${JSON.stringify(id)},"ok":true}`));
      return;
    }
    let reason: string;
    if ('requested' in r) {
      // TFLM prints through MicroPrintf, without ESPHome's prefix.
      out.push(`Failed to resize buffer. Requested: ${r.requested}, available ${r.available}, missing: ${r.requested - r.available}`);
      reason = 'Failed to allocate tensors for the streaming model';
    } else reason = 'Failed to initialize a wake word model.';
    out.push(esphomeLine('E', 'micro_wake_word', 120, reason));
    out.push(esphomeLine('E', 'mww', 64, `mww-load {"v":1,"id":${JSON.stringify(id)},"ok":false,"reason":${JSON.stringify(reason)}}`));
  });
  return out;
}
