import type { Chip } from '../../micro/arena/index.js';

/** What the flasher, the image checks and the virtual board need to know about one chip. */
export interface ChipSpec {
  /** mww's name (as in `--chip` and the identity line). */
  id: Chip;
  /** Human name as Espressif writes it. */
  name: string;
  /** Chip id in the application image header (u16 at byte 12). */
  imageChipId: number;
  /** READ_REG(0x40001000) answer of the ROM (the "chip magic"). */
  magicValue: number;
  /** Whether the ROM answers GET_SECURITY_INFO (and its chip_id field). */
  securityInfo: boolean;
  /** Where the 2nd-stage bootloader lives in flash. */
  bootloaderOffset: number;
  /** FLASH_BEGIN / FLASH_DEFL_BEGIN on the ROM carry a 5th word (encrypted flag). */
  romBeginHasEncryptedWord: boolean;
  /** Where the app image's DROM (flash-mapped read-only data) segment is loaded. */
  dromAddress: number;
  iromAddress: number;
  dramAddress: number;
  /** ROM banner when the chip resets into the serial loader, and when it boots from flash. */
  downloadBanner: string[];
  flashBootBanner: string[];
}

export const CHIP_MAGIC_REG = 0x40001000;
