import { MwwError } from '../../errors.js';
import type { Clock } from '../clock.js';
import type { PortInfo, SerialTransport, Signals } from '../transport/types.js';
import { Listeners } from '../transport/listeners.js';
import { FaultInjector, FaultyChannel, type Direction, type FaultPlan } from './faults.js';

/** What a virtual device needs from the line it sits on. */
export interface BoardEndpoint {
  /** The device's UART baud rate (bytes sent at another rate arrive garbled). */
  readonly baudRate: number;
  receive(bytes: Uint8Array): void;
  setSignals(signals: Signals): void;
  /** Give the device its way to send bytes to the host. */
  attach(send: (bytes: Uint8Array) => void): void;
}

export interface LinkOptions {
  clock: Clock;
  info?: Partial<PortInfo>;
  /** Delay bytes by their time on the wire (10 bits per byte at the baud rate) — for throughput figures. */
  lineRate?: boolean;
  /** A port without modem lines (pseudo-terminal, some adapters): setSignals fails like on such a port. */
  noModemLines?: boolean;
  faults?: FaultPlan[];
}

/**
 * The host side of a serial line to an in-process virtual board. Both directions keep byte order, honour the
 * (virtual) line time, garble bytes when the two ends disagree on the baud rate, and pass through the fault
 * injector.
 */
export class VirtualLink implements SerialTransport {
  readonly info: PortInfo;
  readonly faults: FaultInjector;
  private baud = 115200;
  private openFlag = false;
  private gone = false;
  private signals: Signals = { dtr: false, rts: false };
  private data = new Listeners<[Uint8Array]>();
  private disc = new Listeners<[string]>();
  private readonly channels: Record<Direction, FaultyChannel>;
  /** Bytes the host wrote, in total (for benchmarks and tests). */
  bytesWritten = 0;

  constructor(
    private readonly board: BoardEndpoint,
    private readonly opts: LinkOptions,
  ) {
    this.info = { path: opts.info?.path ?? 'virtual', vendorId: opts.info?.vendorId ?? '10c4', productId: opts.info?.productId ?? 'ea60', manufacturer: opts.info?.manufacturer ?? 'mww virtual board' };
    this.faults = new FaultInjector(opts.faults ?? []);
    const channel = (direction: Direction) =>
      new FaultyChannel({
        direction,
        faults: this.faults,
        clock: opts.clock,
        lineRate: opts.lineRate,
        deliver: (bytes, senderBaud) => this.deliver(direction, bytes, senderBaud),
        disconnect: () => this.disconnect('the device disconnected during the transfer'),
      });
    this.channels = { 'to-device': channel('to-device'), 'from-device': channel('from-device') };
    board.attach((bytes) => this.transmit('from-device', bytes, this.board.baudRate));
  }

  get baudRate(): number {
    return this.baud;
  }
  get isOpen(): boolean {
    return this.openFlag;
  }

  async open(): Promise<void> {
    if (this.gone) throw new MwwError('io', `${this.info.path}: no such port (the virtual board was disconnected)`);
    this.openFlag = true;
  }

  async close(): Promise<void> {
    this.openFlag = false;
  }

  async write(data: Uint8Array): Promise<void> {
    this.ensureUsable();
    this.bytesWritten += data.length;
    this.transmit('to-device', data, this.baud);
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    return this.data.add(listener);
  }

  onDisconnect(listener: (reason: string) => void): () => void {
    return this.disc.add(listener);
  }

  async setSignals(s: Partial<Signals>): Promise<void> {
    this.ensureUsable();
    if (this.opts.noModemLines) throw new MwwError('io', `${this.info.path}: cannot set DTR/RTS (the port has no modem control lines)`);
    this.signals = { dtr: s.dtr ?? this.signals.dtr, rts: s.rts ?? this.signals.rts };
    this.board.setSignals({ ...this.signals });
  }

  async setBaudRate(baud: number): Promise<void> {
    this.ensureUsable();
    this.baud = baud;
  }

  /** Pull the plug (used by tests and by the disconnect fault). */
  disconnect(reason = 'the device disconnected'): void {
    if (this.gone) return;
    this.gone = true;
    this.openFlag = false;
    this.disc.emit(reason);
  }

  private ensureUsable(): void {
    if (this.gone) throw new MwwError('io', `${this.info.path}: the port disappeared (device unplugged or reset)`, { details: { reason: 'disconnected' } });
    if (!this.openFlag) throw new MwwError('io', `${this.info.path}: port is not open`);
  }

  private transmit(direction: Direction, input: Uint8Array, senderBaud: number): void {
    if (!this.gone) this.channels[direction].send(input, senderBaud);
  }

  private deliver(direction: Direction, bytes: Uint8Array, senderBaud: number): void {
    if (this.gone) return;
    const receiverBaud = direction === 'to-device' ? this.board.baudRate : this.baud;
    const out = receiverBaud === senderBaud ? bytes : garble(bytes);
    if (direction === 'to-device') this.board.receive(out);
    else if (this.openFlag) this.data.emit(out);
  }
}

/** What a UART makes of bytes sent at another baud rate: framing errors and junk, never valid frames. */
function garble(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / 2));
  for (let i = 0; i < out.length; i++) out[i] = i % 2 ? 0xfe : 0x00;
  return out;
}
