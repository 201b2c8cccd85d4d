import type { ChipSpec } from './types.js';

/** ESP32 (original, Xtensa LX6). Facts: esptool targets/esp32.py, serial-protocol.md. */
export const ESP32: ChipSpec = {
  id: 'esp32',
  name: 'ESP32',
  imageChipId: 0,
  magicValue: 0x00f01d83,
  securityInfo: false,
  bootloaderOffset: 0x1000,
  romBeginHasEncryptedWord: false,
  dromAddress: 0x3f400020,
  iromAddress: 0x400d0020,
  dramAddress: 0x3ffb0000,
  downloadBanner: ['ets Jun  8 2016 00:22:57', '', 'rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))', 'waiting for download'],
  flashBootBanner: ['ets Jun  8 2016 00:22:57', '', 'rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)', 'configsip: 0, SPIWP:0xee', 'clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00', 'mode:DIO, clock div:2'],
};
