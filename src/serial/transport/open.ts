import { listPorts } from './list.js';
import { SerialportTransport, type SerialBinding } from './serialport.js';
import type { SerialTransport } from './types.js';

/**
 * In-process virtual ports by path: tests register a virtual board under a path, and `mww flash PATH` /
 * `mww monitor PATH` then talk to it through the same code as to a real port.
 */
const virtualPorts = new Map<string, () => SerialTransport>();

export function registerVirtualPort(path: string, factory: () => SerialTransport): () => void {
  virtualPorts.set(path, factory);
  return () => virtualPorts.delete(path);
}

export interface OpenPortOptions {
  baudRate?: number;
  binding?: SerialBinding;
}

/**
 * The transport for a port path (virtual ports first), not opened yet, with its USB identity when the system
 * lists it (the flasher and esptool-js pick the USB-Serial-JTAG reset by VID:PID).
 */
async function portTransport(path: string, opts: OpenPortOptions = {}): Promise<SerialTransport> {
  const virtual = virtualPorts.get(path);
  if (virtual) return virtual();
  let info = {};
  if (!opts.binding) {
    const found = (await listPorts().catch(() => [])).find((p) => p.path === path);
    if (found) info = found;
  }
  return new SerialportTransport({ path, baudRate: opts.baudRate ?? 115200, binding: opts.binding, info });
}

/**
 * Open a port by path (virtual ports first), with its USB identity when the system lists it, at
 * `opts.baudRate` (default 115200) whichever kind of port it is.
 */
export async function openPort(path: string, opts: OpenPortOptions = {}): Promise<SerialTransport> {
  const t = await portTransport(path, opts);
  await t.open();
  // A real port is opened at the rate given to its constructor; a virtual one starts at its line's default.
  const baudRate = opts.baudRate ?? 115200;
  if (t.baudRate !== baudRate) {
    try {
      await t.setBaudRate(baudRate);
    } catch (e) {
      await t.close().catch(() => {});
      throw e;
    }
  }
  return t;
}
