import type { Clock } from './clock.js';
import type { SerialTransport } from './transport/types.js';

/**
 * Reset sequences over DTR/RTS (serial-protocol.md, esptool reset.py). On a USB-UART bridge with the usual
 * auto-reset circuit RTS drives EN and DTR drives GPIO0 (inverted, and never both low at once); the ESP32-S3's
 * USB-Serial-JTAG interprets the lines itself and needs its own sequence.
 */
/** `inReset` runs while the chip is held in reset: output before it belongs to the previous run. */
export async function classicReset(t: SerialTransport, clock: Clock, longDelay = false, inReset?: () => void): Promise<void> {
  await t.setSignals({ dtr: false, rts: true }); // EN low: chip in reset
  await clock.sleep(0);
  inReset?.();
  await clock.sleep(100);
  await t.setSignals({ dtr: true, rts: false }); // EN high with GPIO0 low: boot into the serial loader
  await clock.sleep(longDelay ? 550 : 50);
  await t.setSignals({ dtr: false, rts: false }); // release GPIO0
}

export async function usbJtagReset(t: SerialTransport, clock: Clock, inReset?: () => void): Promise<void> {
  await t.setSignals({ dtr: false, rts: false });
  await clock.sleep(100);
  await t.setSignals({ dtr: true, rts: false }); // GPIO0 strapping latched low
  await clock.sleep(100);
  await t.setSignals({ dtr: true, rts: true }); // through (1,1), not (0,0)
  await t.setSignals({ dtr: false, rts: true }); // reset
  inReset?.();
  await clock.sleep(100);
  await t.setSignals({ dtr: false, rts: false }); // out of reset, into the loader
}

/** Reset into the application: pulse EN with GPIO0 left high. */
export async function hardReset(t: SerialTransport, clock: Clock, usb = false): Promise<void> {
  await t.setSignals({ dtr: false, rts: true });
  await clock.sleep(usb ? 200 : 100);
  await t.setSignals({ dtr: false, rts: false });
}
