import type { ChipSpec } from './types.js';

/** ESP32-S3 (Xtensa LX7, native USB-Serial-JTAG). Facts: esptool targets/esp32s3.py, serial-protocol.md. */
export const ESP32S3: ChipSpec = {
  id: 'esp32s3',
  name: 'ESP32-S3',
  imageChipId: 9,
  magicValue: 0x9,
  securityInfo: true,
  bootloaderOffset: 0x0,
  romBeginHasEncryptedWord: true,
  dromAddress: 0x3c000020,
  iromAddress: 0x42000020,
  dramAddress: 0x3fc88000,
  downloadBanner: ['ESP-ROM:esp32s3-20210327', 'Build:Mar 27 2021', 'rst:0x1 (POWERON),boot:0x0 (DOWNLOAD(USB/UART0))', 'waiting for download'],
  flashBootBanner: ['ESP-ROM:esp32s3-20210327', 'Build:Mar 27 2021', 'rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)', 'SPIWP:0xee', 'mode:DIO, clock div:1'],
};
