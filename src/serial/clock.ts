/**
 * Time for the serial code. Every wait (reset pulses, read timeouts, simulated line time) goes through a Clock
 * so tests and benchmarks can run the whole flasher against the virtual board in virtual time: no real sleeps,
 * deterministic timeouts, and a measurable "how long would this take on a real line".
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin. */
  now(): number;
  /** Resolve after `ms` milliseconds (of this clock's time). */
  sleep(ms: number): Promise<void>;
  /** A sleep that can be cancelled (read timeouts that usually do not fire). */
  timer(ms: number): { promise: Promise<void>; cancel(): void };
  /** Tell the clock that something happened (data moved), so a virtual clock does not advance yet. */
  touch(): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
  timer: (ms) => {
    let handle: NodeJS.Timeout | undefined;
    const promise = new Promise<void>((resolve) => {
      handle = setTimeout(resolve, Math.max(0, ms));
    });
    return { promise, cancel: () => clearTimeout(handle) };
  },
  touch: () => {},
};

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * A clock whose time only moves when the program is idle: when no data has moved for a couple of event-loop
 * turns, the earliest pending sleep fires and time jumps to its deadline. Code that waits for a reply with a
 * timeout therefore sees the reply if the virtual board sends one (the board's own line-time sleeps are
 * earlier timers) and a timeout otherwise, without waiting in real time.
 */
export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: Timer[] = [];
  private activity = 0;
  private seenActivity = -1;
  private idleTurns = 0;
  private pumping = false;

  now(): number {
    return this.t;
  }

  touch(): void {
    this.activity++;
  }

  sleep(ms: number): Promise<void> {
    return this.timer(ms).promise;
  }

  timer(ms: number): { promise: Promise<void>; cancel(): void } {
    let entry: Timer | undefined;
    const promise = new Promise<void>((resolve) => {
      entry = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve };
      this.timers.push(entry);
      this.schedule();
    });
    return {
      promise,
      cancel: () => {
        const i = this.timers.indexOf(entry!);
        if (i >= 0) this.timers.splice(i, 1);
      },
    };
  }

  private schedule(): void {
    if (this.pumping) return;
    this.pumping = true;
    setImmediate(() => this.pump());
  }

  private pump(): void {
    if (this.timers.length === 0) {
      this.pumping = false;
      return;
    }
    if (this.activity !== this.seenActivity) {
      this.seenActivity = this.activity;
      this.idleTurns = 0;
    } else if (++this.idleTurns >= 2) {
      this.idleTurns = 0;
      let best = 0;
      for (let i = 1; i < this.timers.length; i++) {
        const a = this.timers[i]!;
        const b = this.timers[best]!;
        if (a.at < b.at || (a.at === b.at && a.seq < b.seq)) best = i;
      }
      const [timer] = this.timers.splice(best, 1);
      this.t = Math.max(this.t, timer!.at);
      timer!.resolve();
    }
    setImmediate(() => this.pump());
  }
}
