import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { SerialPort } from 'serialport';
import type { PortInfo } from './types.js';

/**
 * Serial ports with their USB identity. serialport's list() needs `udevadm` on Linux, which containers and
 * minimal systems often lack; then the ports are found by scanning /sys/class/tty (the USB vendor/product ids
 * are files of the USB device a few directories above the tty's device).
 */
export async function listPorts(): Promise<PortInfo[]> {
  try {
    const ports = await SerialPort.list();
    return ports.map((p) => ({ path: p.path, vendorId: p.vendorId?.toLowerCase(), productId: p.productId?.toLowerCase(), manufacturer: p.manufacturer, serialNumber: p.serialNumber }));
  } catch {
    return process.platform === 'linux' ? listFromSysfs() : [];
  }
}

export function listFromSysfs(root = '/sys/class/tty', devDir = '/dev'): PortInfo[] {
  if (!existsSync(root)) return [];
  const out: PortInfo[] = [];
  for (const name of readdirSync(root).sort()) {
    const devLink = path.join(root, name, 'device');
    if (!existsSync(devLink)) continue; // virtual consoles, ptys
    let dir: string;
    try {
      dir = realpathSync(devLink);
    } catch {
      continue;
    }
    const info: PortInfo = { path: path.join(devDir, name) };
    // Walk up to the USB device directory (it has idVendor/idProduct).
    for (let d = dir, i = 0; i < 5 && d !== '/'; d = path.dirname(d), i++) {
      const vid = path.join(d, 'idVendor');
      if (existsSync(vid)) {
        const read = (f: string) => (existsSync(path.join(d, f)) ? readFileSync(path.join(d, f), 'utf8').trim() : undefined);
        info.vendorId = read('idVendor')?.toLowerCase();
        info.productId = read('idProduct')?.toLowerCase();
        info.manufacturer = read('manufacturer');
        info.serialNumber = read('serial');
        break;
      }
    }
    // Legacy 8250 UARTs without hardware show up as ttyS0..31; keep only USB ports and real platform UARTs.
    if (!info.vendorId && /^ttyS\d+$/.test(name)) continue;
    out.push(info);
  }
  return out;
}
