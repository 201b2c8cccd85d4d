import { MwwError } from '../errors.js';
import type { ChipSpec } from './chips/index.js';
import type { Clock } from './clock.js';
import { RomLoader, type LoaderTimeouts } from './loader/loader.js';
import { classicReset, usbJtagReset } from './reset.js';
import { isUsbSerialJtag, type SerialTransport } from './transport/types.js';

export type BeforeReset = 'default' | 'no-reset';

export interface ConnectOptions {
  clock: Clock;
  before?: BeforeReset;
  attempts?: number;
  timeouts?: Partial<LoaderTimeouts>;
  warn?: (msg: string) => void;
}

/**
 * Reset the board into its serial loader and synchronise (esptool's connect): alternate the short and long
 * classic sequences (or the USB-Serial-JTAG one), several SYNC tries per reset. A port without modem lines is
 * warned about and synced anyway (the user may hold BOOT and press RESET). Then detect the chip.
 */
export async function connectLoader(transport: SerialTransport, opts: ConnectOptions): Promise<{ loader: RomLoader; chip: ChipSpec }> {
  const { clock } = opts;
  const warn = opts.warn ?? (() => {});
  const loader = new RomLoader(transport, clock, opts.timeouts);
  const usb = isUsbSerialJtag(transport.info);
  let canReset = opts.before !== 'no-reset';
  const attempts = opts.attempts ?? 7;
  let sawText = '';
  for (let attempt = 0; attempt < attempts; attempt++) {
    loader.conn.flushInput(); // judge only what the board prints after this reset
    if (canReset) {
      try {
        const drop = () => loader.conn.flushInput();
        if (usb) await usbJtagReset(transport, clock, drop);
        else await classicReset(transport, clock, attempt % 2 === 1, drop);
      } catch (e) {
        if (!(e instanceof MwwError) || e.details?.reason === 'disconnected') throw e;
        canReset = false;
        warn(`${e.message}; cannot reset the board into the loader — trying to sync anyway (hold BOOT and press RESET if it does not answer)`);
      }
    }
    for (let i = 0; i < 5; i++) {
      if (await loader.sync()) {
        const chip = await loader.detectChip();
        return { loader, chip };
      }
    }
    sawText += loader.conn.text; // what the reset made the board print (its ROM banner, maybe an app log)
  }
  loader.dispose();
  const where = transport.info.path;
  if (/SPI_FAST_FLASH_BOOT|\[[EWICD]\]\[[a-z_]+:/.test(sawText) && !/waiting for download/.test(sawText)) {
    throw new MwwError('device', `the board on ${where} booted its application instead of the serial loader: the reset did not reach download mode. Hold BOOT (GPIO0) while pressing RESET, then run again with --before no-reset`, { details: { reason: 'not-in-download-mode' } });
  }
  throw new MwwError('device', `no answer from a bootloader on ${where} at 115200 baud after ${attempts} resets: check that this is the board's port, the cable carries data, and nothing else has the port open; or hold BOOT while pressing RESET and use --before no-reset`, { details: { reason: 'no-sync' } });
}
