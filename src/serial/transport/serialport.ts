import { SerialPortStream } from '@serialport/stream';
import { SerialPort } from 'serialport';
import { MwwError } from '../../errors.js';
import { openError } from './errors.js';
import { Listeners } from './listeners.js';
import type { PortInfo, SerialTransport, Signals } from './types.js';

/** A serialport binding (the native one, or @serialport/binding-mock's MockBinding). */
export type SerialBinding = ConstructorParameters<typeof SerialPortStream>[0]['binding'];

export interface SerialportOptions {
  path: string;
  baudRate?: number;
  /** serialport binding; default: the native one. Tests pass @serialport/binding-mock's MockBinding. */
  binding?: SerialBinding;
  info?: Partial<PortInfo>;
}

/**
 * SerialTransport over the `serialport` stream. DTR and RTS are remembered and always set together because
 * serialport's set() resets any line it is not given; a port that refuses them (pseudo-terminals, adapters
 * without modem lines) gets a specific error the flasher turns into "warn and sync anyway".
 */
export class SerialportTransport implements SerialTransport {
  readonly info: PortInfo;
  private port: SerialPortStream | null = null;
  private baud: number;
  private signals: Signals = { dtr: false, rts: false };
  private data = new Listeners<[Uint8Array]>();
  private disc = new Listeners<[string]>();
  private closing = false;

  constructor(private readonly opts: SerialportOptions) {
    this.info = { path: opts.path, ...opts.info };
    this.baud = opts.baudRate ?? 115200;
  }

  get baudRate(): number {
    return this.baud;
  }
  get isOpen(): boolean {
    return this.port?.isOpen === true;
  }

  async open(): Promise<void> {
    const binding = this.opts.binding ?? SerialPort.binding;
    const port = new SerialPortStream({ binding, path: this.opts.path, baudRate: this.baud, autoOpen: false, hupcl: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(openError(this.opts.path, e)) : resolve())));
    this.closing = false;
    this.port = port;
    port.on('data', (chunk: Buffer) => this.data.emit(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (!this.closing) this.disc.emit(err?.message ?? 'the port closed');
    });
    port.on('error', () => {
      /* surfaced through close / failed writes */
    });
  }

  async close(): Promise<void> {
    const port = this.port;
    if (!port || !port.isOpen) return;
    this.closing = true;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private need(): SerialPortStream {
    if (!this.port || !this.port.isOpen) throw new MwwError('io', `${this.opts.path}: the port disappeared (device unplugged or reset)`, { details: { reason: 'disconnected' } });
    return this.port;
  }

  async write(data: Uint8Array): Promise<void> {
    const port = this.need();
    await new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(data), (e) => {
        if (e) return reject(e);
        port.drain((e2) => (e2 ? reject(e2) : resolve()));
      });
    }).catch((e: Error) => {
      throw new MwwError('io', `${this.opts.path}: write failed (${e.message}): the device was unplugged or reset`, { details: { reason: 'disconnected' }, cause: e });
    });
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    return this.data.add(listener);
  }

  onDisconnect(listener: (reason: string) => void): () => void {
    return this.disc.add(listener);
  }

  async setSignals(s: Partial<Signals>): Promise<void> {
    const port = this.need();
    const next = { dtr: s.dtr ?? this.signals.dtr, rts: s.rts ?? this.signals.rts };
    await new Promise<void>((resolve, reject) => port.set({ dtr: next.dtr, rts: next.rts }, (e) => (e ? reject(e) : resolve()))).catch((e: Error) => {
      throw new MwwError('io', `${this.opts.path}: cannot set DTR/RTS (${e.message}): the port has no modem control lines`, { details: { reason: 'no-modem-lines' }, cause: e });
    });
    this.signals = next;
  }

  async setBaudRate(baud: number): Promise<void> {
    const port = this.need();
    await new Promise<void>((resolve, reject) => port.update({ baudRate: baud }, (e) => (e ? reject(e) : resolve()))).catch((e: Error) => {
      throw new MwwError('io', `${this.opts.path}: cannot switch to ${baud} baud (${e.message})`, { cause: e });
    });
    this.baud = baud;
  }
}
