import { MwwError } from '../errors.js';
import type { Clock } from './clock.js';
import { LineSplitter, parseLogLine, type LogLine } from './logline.js';
import type { SerialTransport } from './transport/types.js';

export type MonitorEvent = { kind: 'connected' | 'disconnected' | 'reset'; message: string };

export interface MonitorOptions {
  path: string;
  open: (path: string) => Promise<SerialTransport>;
  clock: Clock;
  signal: AbortSignal;
  onLine: (line: LogLine, at: Date) => void;
  onEvent: (e: MonitorEvent, at: Date) => void;
  /** Pause between reopen attempts after the port went away. */
  reconnectMs?: number;
}

/**
 * Follow a device's log: lines as they come, a 'reset' event when the ROM banner shows the board restarted,
 * and when the port disappears (USB-Serial-JTAG re-enumerates on reset, cables get pulled) keep trying to reopen
 * it until it is back or the monitor is stopped. Opening fails with a specific error only the first time.
 */
export async function monitorPort(o: MonitorOptions): Promise<void> {
  let first = true;
  while (!o.signal.aborted) {
    let t: SerialTransport;
    try {
      t = await o.open(o.path);
    } catch (e) {
      if (first || !(e instanceof MwwError)) throw e;
      await Promise.race([o.clock.sleep(o.reconnectMs ?? 500), aborted(o.signal)]);
      continue;
    }
    o.onEvent({ kind: 'connected', message: first ? `connected to ${o.path} at ${t.baudRate} baud` : `reconnected to ${o.path}` }, new Date());
    first = false;
    const splitter = new LineSplitter();
    let lost: string | null = null;
    let wake: () => void = () => {};
    const offData = t.onData((c) => {
      for (const raw of splitter.push(c)) {
        const line = parseLogLine(raw);
        if (/^rst:0x[0-9a-f]+ \(/.test(line.text)) o.onEvent({ kind: 'reset', message: `board reset: ${line.text}` }, new Date());
        o.onLine(line, new Date());
      }
    });
    const offDisc = t.onDisconnect((r) => {
      lost = r;
      wake();
    });
    await Promise.race([new Promise<void>((r) => (wake = r)), aborted(o.signal)]);
    offData();
    offDisc();
    for (const raw of splitter.flush()) o.onLine(parseLogLine(raw), new Date());
    if (lost === null) {
      await t.close();
      return;
    }
    o.onEvent({ kind: 'disconnected', message: `${o.path} went away (${lost}); waiting for it to come back` }, new Date());
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
