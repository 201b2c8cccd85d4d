import type { ChipSpec } from '../chips/index.js';
import { CHIP_MAGIC_REG } from '../chips/index.js';

/**
 * The registers a flasher reads and writes over READ_REG / WRITE_REG, for the virtual board:
 * - the chip magic (chip detection without GET_SECURITY_INFO);
 * - eFuse words with the MAC, package and revision (esptool prints "Chip is …", "MAC: …" from them);
 * - the UART clock divider (esptool derives the crystal frequency from it and the current baud rate);
 * - the SPI flash controller's user-command registers: esptool reads the flash's JEDEC id (RDID, 0x9F) by
 *   writing the command into USR2, setting the USR bit in CMD, waiting for it to clear and reading W0.
 * Addresses and bit positions: esptool targets/esp32.py and esp32s3.py (same values in esptool-js targets/).
 * Everything else reads back what was last written (0 initially), like plain memory.
 */

interface SpiRegs {
  base: number;
  usr2: number;
  w0: number;
}

interface ChipRegs {
  spi: SpiRegs;
  uartClkdiv: number;
  /** Fixed read-only values: eFuse words and similar. */
  fixed: Record<number, number>;
}

const XTAL_HZ = 40_000_000;
const SPI_CMD_USR = 1 << 18;
const SPIFLASH_RDID = 0x9f;
/** GigaDevice (0xC8) quad-SPI NOR, memory type 0x40; the capacity byte is log2 of the size. */
const FLASH_MANUFACTURER = 0xc8;
const FLASH_MEMORY_TYPE = 0x40;

const REGS: Record<ChipSpec['id'], ChipRegs> = {
  esp32: {
    spi: { base: 0x3ff42000, usr2: 0x24, w0: 0x80 },
    uartClkdiv: 0x3ff40014,
    fixed: {
      // EFUSE_BLK0_RDATA1/2: MAC 24:0a:c4:5e:a7:01 (Espressif OUI).
      0x3ff5a004: 0xc45ea701,
      0x3ff5a008: 0x0000240a,
      // RDATA3: package 1 (ESP32-D0WD, bits 9–11), revision bit 0 (bit 15); dual core, BT enabled.
      0x3ff5a00c: (1 << 9) | (1 << 15),
      // RDATA5: revision bit 1 (bit 20); APB_CTRL_DATE bit 31: revision bit 2 → chip revision 3.
      0x3ff5a014: 1 << 20,
      0x3ff6607c: 0x80000000,
    },
  },
  esp32s3: {
    spi: { base: 0x60002000, usr2: 0x20, w0: 0x58 },
    uartClkdiv: 0x60000014,
    fixed: {
      // EFUSE_RD_MAC_SPI_SYS_0/1: MAC f4:12:fa:5e:a7:02 (Espressif OUI).
      0x60007044: 0xfa5ea702,
      0x60007048: 0x0000f412,
      // Block 1 word 3: minor revision 2 (bits 18–20), package 0 (QFN56, bits 21–23); word 5: major 0.
      0x60007050: 2 << 18,
      0x60007058: 0,
    },
  },
};

export class ChipRegisters {
  private readonly regs: ChipRegs;
  private readonly memory = new Map<number, number>();

  constructor(
    private readonly chip: ChipSpec,
    private readonly flashSize: number,
    /** The UART's current baud rate: the ROM programs the clock divider for it. */
    private readonly baud: () => number,
  ) {
    this.regs = REGS[chip.id];
  }

  /** JEDEC id as the RDID command returns it in W0: manufacturer, memory type, capacity (log2 bytes). */
  get flashId(): number {
    return FLASH_MANUFACTURER | (FLASH_MEMORY_TYPE << 8) | (Math.round(Math.log2(this.flashSize)) << 16);
  }

  read(addr: number): number {
    addr >>>= 0;
    if (addr === CHIP_MAGIC_REG) return this.chip.magicValue >>> 0;
    if (addr === this.regs.uartClkdiv) return Math.round(XTAL_HZ / this.baud()) & 0xfffff;
    const fixed = this.regs.fixed[addr];
    if (fixed !== undefined) return fixed >>> 0;
    return this.memory.get(addr) ?? 0;
  }

  /** WRITE_REG: address, value, mask (bits outside the mask keep their value). */
  write(addr: number, value: number, mask = 0xffffffff): void {
    addr >>>= 0;
    if (addr === CHIP_MAGIC_REG || addr in this.regs.fixed) return; // read-only
    const next = ((this.read(addr) & ~mask) | (value & mask)) >>> 0;
    this.memory.set(addr, next);
    const spi = this.regs.spi;
    if (addr === spi.base && next & SPI_CMD_USR) this.runSpiUserCommand();
  }

  /** The SPI controller runs the user command and clears the USR bit when done. */
  private runSpiUserCommand(): void {
    const spi = this.regs.spi;
    const command = this.read(spi.base + spi.usr2) & 0xff;
    if (command === SPIFLASH_RDID) this.memory.set(spi.base + spi.w0, this.flashId);
    this.memory.set(spi.base, this.read(spi.base) & ~SPI_CMD_USR);
  }
}
