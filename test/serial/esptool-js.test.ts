/**
 * Interoperability: Espressif's own esptool-js (npm, v0.7) drives the in-process virtual board through mww's
 * Web-Serial adapter. Nothing here uses mww's loader, so this is the independent check that the virtual board
 * speaks the ROM / stub loader protocol the way Espressif's client expects it.
 *
 * esptool-js sleeps in real time (reset pulses, baud-change settling, 1 ms read polling), so the connect reset is
 * a short custom DTR/RTS sequence with the same shape as the classic one, and the images are small.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CustomReset, ESPLoader, Transport, type ClassicReset, type IEspLoaderTerminal } from 'esptool-js';
import { realClock } from '../../src/serial/clock.js';
import { createVirtualBoard } from '../../src/serial/sim/index.js';
import { WebSerialPort } from '../../src/serial/transport/webserial.js';
import { buildFactoryImage, buildTestApp } from '../../src/serial/images/index.js';
import { chipById } from '../../src/serial/chips/index.js';
import { identityFor } from './fixtures.js';

type Chip = 'esp32' | 'esp32s3';
const CHIP_NAME: Record<Chip, string> = { esp32: 'ESP32', esp32s3: 'ESP32-S3' };
/** Classic reset shape (EN low; EN high with GPIO0 low; release GPIO0) with short waits. */
const FAST_CLASSIC = 'D0|R1|W5|D1|R0|W5|D0';
/** Hard reset into the app: esptool-js's HardReset only lowers RTS, so pulse it explicitly. */
const HARD_RESET = 'D0|R1|W5|R0';

const md5hex = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

function testApp(chip: Chip, codeSize: number): Uint8Array {
  return buildTestApp({ chip: chipById(chip), identity: identityFor(chip, []), codeSize });
}

const open: Transport[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.disconnect().catch(() => {});
});

function setup(chip: Chip, baudrate = 921600, usb?: { vendorId: string; productId: string }) {
  const { board, link } = createVirtualBoard({ chip, clock: realClock, ...usb });
  const port = new WebSerialPort(link);
  // The adapter stands in for the browser's SerialPort (esptool-js types it with the w3c-web-serial typings).
  const transport = new Transport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
  open.push(transport);
  const log: string[] = [];
  const terminal: IEspLoaderTerminal = { clean: () => {}, writeLine: (s) => log.push(s), write: (s) => log.push(s) };
  const loader = new ESPLoader({
    transport,
    baudrate,
    terminal,
    resetConstructors: {
      classicReset: (t, delay) => Object.assign(new CustomReset(t, FAST_CLASSIC), { resetDelay: delay }) as unknown as ClassicReset,
    },
  });
  return { board, link, port, transport, loader, log };
}

describe('esptool-js ⇄ virtual board (via the Web Serial adapter)', () => {
  for (const chip of ['esp32', 'esp32s3'] as const) {
    it(`${chip}: detect, stub upload, baud switch, flash id, compressed writes at 0x0 and 0x10000 + an uncompressed one, MD5-verified, hard reset`, async () => {
      const { board, loader, log } = setup(chip);
      const description = await loader.main();
      expect(loader.chip.CHIP_NAME).toBe(CHIP_NAME[chip]);
      expect(description).toMatch(chip === 'esp32' ? /^ESP32-D0WD/ : /^ESP32-S3 \(QFN56\)/);
      // The stub was uploaded with MEM_BEGIN/MEM_DATA/MEM_END and answered OHAI; the board runs it now.
      expect(log).toContain('Crystal is 40MHz'); // from the UART clock divider at the current baud rate
      expect(loader.IS_STUB).toBe(true);
      expect(board.mode).toBe('stub');
      expect(log).toContain('Stub running...');
      expect(board.baudRate).toBe(921600);
      // SPI flash RDID through the SPI registers: 4 MB flash.
      expect(await loader.detectFlashSize()).toBe('4MB');

      // A factory image at 0x0, then a different app at 0x10000 (as after a rebuild), both compressed and
      // MD5-checked by esptool-js against the board's SPI_FLASH_MD5.
      const factory = buildFactoryImage(chipById(chip), testApp(chip, 2048));
      const app = testApp(chip, 3000);
      const md5s: string[] = [];
      const opts = { flashSize: 'keep', flashMode: 'keep', flashFreq: 'keep', eraseAll: false, compress: true, calculateMD5Hash: (img: Uint8Array) => (md5s.push(md5hex(img)), md5hex(img)) } as const;
      await loader.writeFlash({ ...opts, fileArray: [{ data: factory, address: 0x0 }] });
      expect(same(board.flash.subarray(0, factory.length), factory)).toBe(true);
      await loader.writeFlash({ ...opts, fileArray: [{ data: app, address: 0x10000 }] });
      expect(same(board.flash.subarray(0x10000, 0x10000 + app.length), app)).toBe(true);
      expect(same(board.flash.subarray(0, 0x10000), factory.subarray(0, 0x10000))).toBe(true);
      // Uncompressed (FLASH_BEGIN / FLASH_DATA / FLASH_END through the stub), the last block padded with 0xFF.
      const data = testApp(chip, 1500);
      await loader.writeFlash({ ...opts, compress: false, fileArray: [{ data, address: 0x200000 }] });
      expect(same(board.flash.subarray(0x200000, 0x200000 + data.length), data)).toBe(true);
      expect(md5s).toHaveLength(3);
      expect(log.filter((l) => l === 'Hash of data verified.')).toHaveLength(3);

      // esptool-js's own HardReset only lowers RTS (already low here), so the chip is not reset: it stays in the stub.
      await loader.after('hard_reset');
      await new Promise((r) => setTimeout(r, 20));
      expect(board.mode).toBe('stub');
      // An explicit RTS pulse resets it; GPIO0 is high when EN rises, so it boots the app just written.
      await loader.after('custom_reset', undefined, HARD_RESET);
      await vi.waitFor(() => expect(board.mode).toBe('app'), { timeout: 1000, interval: 5 });
      expect(board.printed.join('\n')).toContain('boot: Loaded app from partition at offset 0x10000');
    }, 15000);

    it(`${chip}: no stub — esptool-js talks to the ROM loader (4-byte status, ROM FLASH_DEFL_BEGIN) and writes compressed`, async () => {
      const { board, loader, log } = setup(chip);
      await loader.detectChip(); // connect + detect, no stub upload
      expect(loader.chip.CHIP_NAME).toBe(CHIP_NAME[chip]);
      expect(loader.IS_STUB).toBe(false);
      expect(board.mode).toBe('rom');
      expect(await loader.detectFlashSize()).toBe('4MB');
      const app = testApp(chip, 2500);
      await loader.writeFlash({ fileArray: [{ data: app, address: 0x10000 }], flashSize: 'keep', flashMode: 'keep', flashFreq: 'keep', eraseAll: false, compress: true });
      expect(same(board.flash.subarray(0x10000, 0x10000 + app.length), app)).toBe(true);
      expect(log.join('\n')).not.toMatch(/Error/);
      // The ROM answers SPI_FLASH_MD5 with 32 ASCII hex digits (esptool loader.py: "already hex formatted"); esptool-js
      // 0.7 hex-encodes those bytes again, which is why its MD5 check is used with the stub only. Decoded, it is the
      // image's MD5.
      const romMd5 = await loader.flashMd5sum(0x10000, app.length);
      expect(Buffer.from(romMd5, 'hex').toString('latin1')).toBe(md5hex(app));
      expect(board.mode).toBe('rom');
    }, 15000);
  }

  it('esp32s3 on its USB-Serial-JTAG (303a:1001): esptool-js picks its USB-JTAG reset from getInfo() and reaches the loader', async () => {
    const { board, loader } = setup('esp32s3', 115200, { vendorId: '303a', productId: '1001' });
    await loader.detectChip();
    expect(loader.chip.CHIP_NAME).toBe('ESP32-S3');
    expect(board.mode).toBe('rom');
    expect(board.boots.rom).toBe(1);
  }, 15000);
});

describe('WebSerialPort (Web Serial API surface over a SerialTransport)', () => {
  it('streams exist only while open and are recreated after close; signals merge; USB ids as numbers; device loss errors the reader', async () => {
    const { board, link } = createVirtualBoard({ chip: 'esp32', clock: realClock });
    const port = new WebSerialPort(link);
    expect(port.readable).toBeNull();
    expect(port.writable).toBeNull();
    expect(port.getInfo()).toEqual({ usbVendorId: 0x10c4, usbProductId: 0xea60 });

    await port.open({ baudRate: 115200 });
    await expect(port.open({ baudRate: 115200 })).rejects.toMatchObject({ name: 'InvalidStateError' });
    const seen: { dtr: boolean; rts: boolean }[] = [];
    const orig = board.setSignals.bind(board);
    board.setSignals = (x) => (seen.push({ ...x }), orig(x));
    // Each Web Serial call names one line; the other keeps its state.
    await port.setSignals({ dataTerminalReady: true });
    await port.setSignals({ requestToSend: true });
    await port.setSignals({ dataTerminalReady: false });
    expect(seen).toEqual([{ dtr: true, rts: false }, { dtr: true, rts: true }, { dtr: false, rts: true }]);
    await port.setSignals({ requestToSend: false }); // EN released: the chip boots (from empty flash)

    const first = port.readable!;
    const reader = first.getReader();
    const { value } = await reader.read();
    expect(Buffer.from(value!).toString('latin1')).toContain('rst:0x1');
    await reader.cancel();
    reader.releaseLock();
    await port.close();
    expect(port.readable).toBeNull();

    await port.open({ baudRate: 921600 });
    expect(link.baudRate).toBe(921600);
    const second = port.readable!;
    expect(second).not.toBe(first);
    const r2 = second.getReader();
    link.disconnect('cable pulled');
    await expect(r2.read()).rejects.toMatchObject({ name: 'NetworkError' });
  });
});
