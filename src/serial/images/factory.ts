/**
 * TEST factory images — NOT REAL ESPHOME FIRMWARE (see appImage.ts). Laid out like ESPHome's
 * `firmware.factory.bin` (esptool merge_bin output, written at 0x0): the bootloader at the chip's bootloader
 * offset, the partition table at 0x8000, the app at 0x10000, gaps filled with 0xFF.
 */
import type { ChipSpec } from '../chips/index.js';
import { APP_OFFSET, DEFAULT_PARTITIONS, PARTITION_TABLE_OFFSET, buildPartitionTable } from '../partitions.js';
import { buildTestBootloader } from './appImage.js';

export function buildFactoryImage(chip: ChipSpec, app: Uint8Array): Uint8Array {
  const out = new Uint8Array(APP_OFFSET + app.length).fill(0xff);
  out.set(buildTestBootloader(chip), chip.bootloaderOffset);
  out.set(buildPartitionTable(DEFAULT_PARTITIONS), PARTITION_TABLE_OFFSET);
  out.set(app, APP_OFFSET);
  return out;
}

/** Bootloader and partition table only, as already present on a board that was flashed before. */
export function buildBootArea(chip: ChipSpec): Uint8Array {
  const out = new Uint8Array(APP_OFFSET).fill(0xff);
  out.set(buildTestBootloader(chip), chip.bootloaderOffset);
  out.set(buildPartitionTable(DEFAULT_PARTITIONS), PARTITION_TABLE_OFFSET);
  return out;
}
