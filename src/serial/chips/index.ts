import { MwwError } from '../../errors.js';
import { ESP32 } from './esp32.js';
import { ESP32S3 } from './esp32s3.js';
import type { ChipSpec } from './types.js';

export type { ChipSpec } from './types.js';
export { CHIP_MAGIC_REG } from './types.js';
export const CHIPS: readonly ChipSpec[] = [ESP32, ESP32S3];

/**
 * Chips other tools know but mww does not flash, by ROM chip magic and by image chip id, so an unsupported board
 * or image is named instead of reported as "unknown" (values from esptool's targets/*.py).
 */
const OTHER_MAGIC: Record<number, string> = {
  0xfff0c101: 'ESP8266',
  0x000007c6: 'ESP32-S2',
  0x6921506f: 'ESP32-C3',
  0x1b31506f: 'ESP32-C3',
  0x0da1806f: 'ESP32-C6',
  0x2ce0806f: 'ESP32-C6',
  0xd7b73e80: 'ESP32-H2',
};
/** ESP chip ids: the image header's u16 at byte 12 and GET_SECURITY_INFO's chip_id field are the same number
 *  (esptool detect_chip compares the latter with IMAGE_CHIP_ID). */
const OTHER_CHIP_IDS: Record<number, string> = {
  2: 'ESP32-S2',
  5: 'ESP32-C3',
  12: 'ESP32-C2',
  13: 'ESP32-C6',
  16: 'ESP32-H2',
  18: 'ESP32-P4',
};

export function chipById(id: string): ChipSpec {
  const c = CHIPS.find((x) => x.id === id.toLowerCase().replace(/-/g, ''));
  if (!c) throw new MwwError('usage', `unsupported chip '${id}': mww flashes ${CHIPS.map((x) => x.id).join(' and ')}`);
  return c;
}

export function chipByMagic(magic: number): ChipSpec | string {
  return CHIPS.find((c) => c.magicValue === magic >>> 0) ?? OTHER_MAGIC[magic >>> 0] ?? `an unknown chip (magic 0x${(magic >>> 0).toString(16)})`;
}

export function chipBySecurityId(id: number): ChipSpec | string {
  return CHIPS.find((c) => c.securityInfo && c.imageChipId === id) ?? OTHER_CHIP_IDS[id] ?? `an unknown chip (chip id ${id})`;
}

/** The name of the chip an image header's chip id stands for. */
export function imageChipName(id: number): string {
  return CHIPS.find((c) => c.imageChipId === id)?.name ?? OTHER_CHIP_IDS[id] ?? `chip id ${id}`;
}
