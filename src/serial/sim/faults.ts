/**
 * Fault injection for the virtual serial line, deterministic so every failing run can be replayed:
 * - corrupt: flip bits of `count` bytes, one every `every` bytes from byte `after` on;
 * - drop: lose those bytes instead;
 * - stall: from byte `after` on the line delivers nothing for `stallMs` (Infinity: the device hangs);
 * - disconnect: at byte `after` the port goes away (cable pulled, board re-enumerated).
 * Byte positions count the bytes travelling in `direction`.
 */
import type { Clock } from '../clock.js';

export type FaultKind = 'corrupt' | 'drop' | 'stall' | 'disconnect';
export type Direction = 'to-device' | 'from-device';

export interface FaultPlan {
  kind: FaultKind;
  direction: Direction;
  after: number;
  count?: number;
  every?: number;
  stallMs?: number;
  /** XOR mask for corrupt (nonzero); varied per byte from it. */
  mask?: number;
}

export interface FaultEffect {
  bytes: Uint8Array;
  stallMs: number;
  disconnect: boolean;
}

export class FaultInjector {
  private seen: Record<Direction, number> = { 'to-device': 0, 'from-device': 0 };
  private hits = 0;
  private stalled = false;
  /** How many times the fault actually fired (tests check that a run was really disturbed). */
  fired = 0;

  constructor(readonly plans: FaultPlan[]) {}

  apply(direction: Direction, input: Uint8Array): FaultEffect {
    const start = this.seen[direction];
    this.seen[direction] += input.length;
    let bytes = input;
    let stallMs = 0;
    let disconnect = false;
    for (const p of this.plans) {
      if (p.direction !== direction) continue;
      const end = start + input.length;
      if (p.kind === 'disconnect' || p.kind === 'stall') {
        if (p.after < end && (p.after >= start || (p.kind === 'stall' && !this.stalled && p.after < start))) {
          if (p.kind === 'disconnect') {
            disconnect = true;
            bytes = bytes.subarray(0, Math.max(0, p.after - start));
          } else if (!this.stalled) {
            this.stalled = true;
            stallMs = p.stallMs ?? Infinity;
          }
          this.fired++;
        }
        continue;
      }
      const count = p.count ?? 1;
      const every = Math.max(1, p.every ?? 1);
      const positions: number[] = [];
      for (let k = 0; k < count; k++) {
        const pos = p.after + k * every;
        if (pos >= start && pos < end) positions.push(pos - start);
      }
      if (positions.length === 0) continue;
      this.fired += positions.length;
      if (p.kind === 'corrupt') {
        const copy = Uint8Array.from(bytes);
        for (const i of positions) {
          const m = ((p.mask ?? 0x5a) + 29 * this.hits++) & 0xff || 0x01;
          copy[i] = copy[i]! ^ m;
        }
        bytes = copy;
      } else {
        const drop = new Set(positions);
        bytes = Uint8Array.from(bytes.filter((_, i) => !drop.has(i)));
      }
    }
    return { bytes, stallMs, disconnect };
  }
}

export interface ChannelOptions {
  direction: Direction;
  faults: FaultInjector;
  clock: Clock;
  /** Delay bytes by their time on the wire (10 bits per byte at the sender's baud rate). */
  lineRate?: boolean;
  /** Hand bytes to the receiving end (after the faults, the stall and the line time). */
  deliver: (bytes: Uint8Array, senderBaud: number) => void;
  /** The disconnect fault fired (after the bytes before it were delivered). */
  disconnect: () => void;
}

/**
 * One direction of a serial line through the fault injector: keeps byte order, waits out a stall (for ever when
 * the device hangs) and the bytes' time on the wire, then delivers. Shared by the in-process VirtualLink and
 * `mww sim --device`, so a fault means the same on both.
 */
export class FaultyChannel {
  private queue: Promise<void> = Promise.resolve();
  private lineFree = 0;

  constructor(private readonly o: ChannelOptions) {}

  send(input: Uint8Array, senderBaud: number): void {
    const { clock } = this.o;
    const fx = this.o.faults.apply(this.o.direction, input);
    const ms = this.o.lineRate ? (fx.bytes.length * 10 * 1000) / senderBaud : 0;
    const prev = this.queue;
    this.queue = (async () => {
      await prev;
      if (fx.stallMs === Infinity) {
        this.queue = new Promise(() => {}); // the device hangs: nothing more in this direction
        return;
      }
      if (fx.stallMs > 0) await clock.sleep(fx.stallMs);
      if (ms > 0) {
        const start = Math.max(clock.now(), this.lineFree);
        this.lineFree = start + ms;
        await clock.sleep(this.lineFree - clock.now());
      } else await new Promise<void>((r) => setImmediate(r));
      clock.touch();
      if (fx.bytes.length > 0) this.o.deliver(fx.bytes, senderBaud);
      if (fx.disconnect) this.o.disconnect();
    })();
  }
}
