import { MwwError } from '../../errors.js';
import type { Clock } from '../clock.js';
import { SlipDecoder, slipEncode } from '../slip.js';
import type { SerialTransport } from '../transport/types.js';

/**
 * SLIP frames over a transport, with timeouts on the injectable clock. Text outside frames (ROM banners, app
 * logs) is kept so a failed sync can say what the board printed instead.
 */
export class FrameConnection {
  private frames: Uint8Array[] = [];
  private waiter: (() => void) | null = null;
  private textBuf = '';
  private gone: string | null = null;
  private decoder = this.newDecoder();
  private offData: () => void;
  private offDisc: () => void;

  constructor(
    readonly transport: SerialTransport,
    readonly clock: Clock,
  ) {
    this.offData = transport.onData((c) => this.decoder.push(c));
    this.offDisc = transport.onDisconnect((reason) => {
      this.gone = reason;
      this.wake();
    });
  }

  get text(): string {
    return this.textBuf;
  }

  get disconnected(): string | null {
    return this.gone;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Forget buffered input (stale answers, banners). */
  flushInput(): void {
    this.frames = [];
    this.textBuf = '';
    this.decoder = this.newDecoder();
  }

  private newDecoder(): SlipDecoder {
    return new SlipDecoder(
      (f) => {
        this.frames.push(f);
        this.wake();
      },
      (t) => {
        this.textBuf = (this.textBuf + Buffer.from(t).toString('latin1')).slice(-8192);
      },
    );
  }

  async sendFrame(payload: Uint8Array): Promise<void> {
    this.throwIfGone();
    try {
      await this.transport.write(slipEncode(payload));
    } catch (e) {
      if (e instanceof MwwError) throw e;
      throw new MwwError('io', `${this.transport.info.path}: write failed (${(e as Error).message}): the device was unplugged or reset`, { cause: e });
    }
  }

  /** The next frame, or null when none arrives within `timeoutMs`. Throws when the port went away. */
  async readFrame(timeoutMs: number): Promise<Uint8Array | null> {
    this.throwIfGone();
    if (this.frames.length) return this.frames.shift()!;
    const timer = this.clock.timer(timeoutMs);
    let timedOut = false;
    await Promise.race([
      new Promise<void>((r) => (this.waiter = r)),
      timer.promise.then(() => {
        timedOut = true;
      }),
    ]);
    timer.cancel();
    this.waiter = null;
    this.throwIfGone();
    if (this.frames.length) return this.frames.shift()!;
    return timedOut ? null : this.readFrame(0);
  }

  throwIfGone(): void {
    if (this.gone !== null) throw new MwwError('io', `${this.transport.info.path}: the port disappeared (${this.gone}): the board was unplugged or reset`, { details: { reason: 'disconnected' } });
  }

  dispose(): void {
    this.offData();
    this.offDisc();
  }
}
