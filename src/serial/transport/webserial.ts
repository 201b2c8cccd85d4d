import type { SerialTransport } from './types.js';

/**
 * A Web-Serial-API `SerialPort` over mww's SerialTransport, so Espressif's esptool-js (written for browsers) can
 * drive a real port (SerialportTransport) or the in-process virtual board (VirtualLink) in Node.
 *
 * What esptool-js's Transport relies on, and how the Web Serial spec defines it:
 * - `readable` / `writable` are null while the port is closed; once a stream is cancelled/closed (esptool-js
 *   cancels its reader before closing, and closes its writer to flush) the next access creates a fresh one;
 * - `setSignals({ dataTerminalReady?, requestToSend? })` leaves omitted lines unchanged (the transport remembers
 *   both, because serialport's set() would reset a line it is not given);
 * - `getInfo()` gives the USB vendor/product ids as numbers (esptool-js picks the USB-Serial-JTAG reset by them);
 * - a lost device errors the readable with a DOMException (esptool-js's read loop stops on it).
 * `setBaudRate` is not Web Serial: esptool-js uses it when present to change the host baud rate in place instead
 * of closing and reopening the port (a reopen can glitch DTR/RTS on real adapters).
 */

export interface WebSerialOpenOptions {
  baudRate: number;
  dataBits?: number;
  stopBits?: number;
  parity?: string;
  bufferSize?: number;
  flowControl?: string;
}

export interface WebSerialSignals {
  dataTerminalReady?: boolean;
  requestToSend?: boolean;
  break?: boolean;
}

export interface WebSerialPortInfo {
  usbVendorId?: number;
  usbProductId?: number;
}

const hexId = (s: string | undefined): number | undefined => {
  if (!s) return undefined;
  const n = Number.parseInt(s, 16);
  return Number.isFinite(n) ? n : undefined;
};

function domError(name: string, message: string): Error {
  return new DOMException(message, name);
}

export class WebSerialPort {
  private opened = false;
  private readableStream: ReadableStream<Uint8Array> | null = null;
  private writableStream: WritableStream<Uint8Array> | null = null;
  private offData: (() => void) | null = null;
  private offDisc: (() => void) | null = null;
  private lost: string | null = null;

  constructor(readonly transport: SerialTransport) {}

  getInfo(): WebSerialPortInfo {
    return { usbVendorId: hexId(this.transport.info.vendorId), usbProductId: hexId(this.transport.info.productId) };
  }

  get readable(): ReadableStream<Uint8Array> | null {
    if (!this.opened) return null;
    this.readableStream ??= this.makeReadable();
    return this.readableStream;
  }

  get writable(): WritableStream<Uint8Array> | null {
    if (!this.opened) return null;
    this.writableStream ??= this.makeWritable();
    return this.writableStream;
  }

  async open(options: WebSerialOpenOptions): Promise<void> {
    if (this.opened) throw domError('InvalidStateError', 'The port is already open.');
    if (!options || !(options.baudRate > 0)) throw new TypeError('open() needs a positive baudRate');
    if (!this.transport.isOpen) await this.transport.open();
    if (this.transport.baudRate !== options.baudRate) await this.transport.setBaudRate(options.baudRate);
    this.lost = null;
    this.opened = true;
    this.offDisc = this.transport.onDisconnect((reason) => this.onLost(reason));
  }

  async close(): Promise<void> {
    if (!this.opened) throw domError('InvalidStateError', 'The port is already closed.');
    // Web Serial refuses to close while a stream is locked; esptool-js cancels its reader first.
    if (this.readableStream?.locked || this.writableStream?.locked) throw domError('InvalidStateError', 'Cannot close a port while its streams are locked.');
    await this.readableStream?.cancel().catch(() => {});
    await this.writableStream?.close().catch(() => {});
    this.detach();
    this.opened = false;
    await this.transport.close();
  }

  async setSignals(signals: WebSerialSignals): Promise<void> {
    if (!this.opened) throw domError('InvalidStateError', 'The port is not open.');
    if (signals.break) throw domError('NotSupportedError', 'BREAK is not supported by this port.');
    const next: { dtr?: boolean; rts?: boolean } = {};
    if (signals.dataTerminalReady !== undefined) next.dtr = signals.dataTerminalReady;
    if (signals.requestToSend !== undefined) next.rts = signals.requestToSend;
    if (next.dtr === undefined && next.rts === undefined) return;
    await this.transport.setSignals(next);
  }

  /** Not part of Web Serial: an in-place host baud change (see the class comment). */
  async setBaudRate(baud: number): Promise<void> {
    if (!this.opened) throw domError('InvalidStateError', 'The port is not open.');
    await this.transport.setBaudRate(baud);
  }

  private makeReadable(): ReadableStream<Uint8Array> {
    let stream!: ReadableStream<Uint8Array>;
    stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        if (this.lost !== null) {
          controller.error(domError('NetworkError', `The device has been lost (${this.lost}).`));
          return;
        }
        this.offData = this.transport.onData((chunk) => {
          try {
            controller.enqueue(Uint8Array.from(chunk));
          } catch {
            /* stream already closed or errored */
          }
        });
        this.errorReadable = (e) => {
          try {
            controller.error(e);
          } catch {
            /* already errored */
          }
        };
      },
      cancel: () => {
        this.offData?.();
        this.offData = null;
        this.errorReadable = null;
        if (this.readableStream === stream) this.readableStream = null;
      },
    });
    return stream;
  }

  private errorReadable: ((e: Error) => void) | null = null;

  private makeWritable(): WritableStream<Uint8Array> {
    let stream!: WritableStream<Uint8Array>;
    const done = () => {
      if (this.writableStream === stream) this.writableStream = null;
    };
    stream = new WritableStream<Uint8Array>({
      write: async (chunk) => {
        if (this.lost !== null) throw domError('NetworkError', `The device has been lost (${this.lost}).`);
        await this.transport.write(chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk as ArrayBuffer));
      },
      close: done,
      abort: done,
    });
    return stream;
  }

  private onLost(reason: string): void {
    this.lost = reason;
    const err = domError('NetworkError', `The device has been lost (${reason}).`);
    this.errorReadable?.(err);
    this.offData?.();
    this.offData = null;
    this.errorReadable = null;
    this.readableStream = null;
  }

  private detach(): void {
    this.offData?.();
    this.offData = null;
    this.offDisc?.();
    this.offDisc = null;
    this.errorReadable = null;
    this.readableStream = null;
    this.writableStream = null;
  }
}
