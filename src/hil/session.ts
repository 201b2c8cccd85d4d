import { MwwError } from '../errors.js';
import { realClock, type Clock } from '../serial/clock.js';
import {
  ALL_MODELS,
  DeviceState,
  FrameDecoder,
  PROTOCOL_VERSION,
  STEP_SAMPLES,
  encode,
  type DecoderStats,
  type Message,
  type StatusInfo,
} from './protocol.js';

/**
 * The host end of the HIL protocol: handshake, then per recording: START, audio under the device's credit
 * window with go-back-N retransmission, STOP, and collection of the device's per-invoke reports until every
 * event is in (missing ones are requested again with RESEND). Spec: docs/hil-protocol.md.
 */

/** The bytes-in/bytes-out part of a serial port this needs (a SerialTransport fits). */
export interface ByteLink {
  write(data: Uint8Array): Promise<void>;
  onData(listener: (chunk: Uint8Array) => void): () => void;
  onDisconnect?(listener: (reason: string) => void): () => void;
}

export interface SessionOptions {
  clock?: Clock;
  /** No frame from the device for this long → POLL and resend from the last acknowledged frame. Default 500 ms. */
  timeoutMs?: number;
  /** Consecutive timeouts before giving up. Default 20. */
  maxTimeouts?: number;
  /** Collect the device's log lines (text between frames). */
  onLog?: (line: string) => void;
}

export interface DeviceCaps {
  version: number;
  queueFrames: number;
  maxSamplesPerFrame: number;
  models: string[];
}

export interface StreamOptions {
  /** Model index on the device, or ALL_MODELS. */
  model: number;
  /** Feature slices per invoke of the model (the device paces micro_wake_word by it). */
  stride: number;
  /** Samples per audio frame: a multiple of 160 (default 160, one 10 ms step). */
  samplesPerFrame?: number;
  onProgress?: (sentFrames: number, totalFrames: number) => void;
}

export interface StreamResult {
  /** Per model index: the device's uint8 output per invoke (undefined where a report was lost for good). */
  probabilities: Map<number, (number | undefined)[]>;
  detections: { invoke: number; model: number; windowSum: number }[];
  /** Device's final counters. */
  device: StatusInfo;
  host: {
    framesTotal: number;
    framesSent: number;
    /** Distinct audio frames sent more than once (lost, corrupted, or their acknowledgement lost). */
    framesResent: number;
    naks: number;
    timeouts: number;
    resendRequests: number;
    /** Events (reports/detections) the device no longer had when asked again. */
    eventsLost: number;
    /** Decoder counters for the device → host direction. */
    line: DecoderStats;
    logLines: number;
  };
  audioSeconds: number;
  wallSeconds: number;
}

export class HilSession {
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly maxTimeouts: number;
  private readonly decoder: FrameDecoder;
  private inbox: Message[] = [];
  private wake: (() => void) | null = null;
  private unsubscribe: (() => void)[] = [];
  private gone: string | null = null;
  private logLines = 0;
  caps: DeviceCaps | null = null;

  constructor(
    private readonly link: ByteLink,
    opts: SessionOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.timeoutMs = opts.timeoutMs ?? 500;
    this.maxTimeouts = opts.maxTimeouts ?? 20;
    this.decoder = new FrameDecoder({
      message: (m) => {
        this.inbox.push(m);
        this.wake?.();
      },
      text: (line) => {
        this.logLines++;
        opts.onLog?.(line);
      },
    });
    this.unsubscribe.push(link.onData((chunk) => this.decoder.push(chunk)));
    if (link.onDisconnect) {
      this.unsubscribe.push(
        link.onDisconnect((reason) => {
          this.gone = reason;
          this.wake?.();
        }),
      );
    }
  }

  close(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
  }

  private async send(m: Message): Promise<void> {
    await this.link.write(encode(m));
  }

  /** The next message, or null after timeoutMs without one. */
  private async next(timeoutMs = this.timeoutMs): Promise<Message | null> {
    if (this.gone) throw new MwwError('io', `the HIL device went away: ${this.gone}`);
    const ready = this.inbox.shift();
    if (ready) return ready;
    const timer = this.clock.timer(timeoutMs);
    await Promise.race([timer.promise, new Promise<void>((r) => (this.wake = r))]);
    this.wake = null;
    timer.cancel();
    if (this.gone) throw new MwwError('io', `the HIL device went away: ${this.gone}`);
    return this.inbox.shift() ?? null;
  }

  private deviceError(m: Extract<Message, { type: 'error' }>): never {
    throw new MwwError('device', `the HIL device refused the request: ${m.message} (error code ${m.code})`);
  }

  /** HELLO → CAPS, retried; fails with a specific message when the device never answers in HIL mode. */
  async hello(): Promise<DeviceCaps> {
    for (let attempt = 0; attempt < 5; attempt++) {
      await this.send({ type: 'hello', version: PROTOCOL_VERSION });
      const deadline = this.clock.now() + this.timeoutMs;
      while (this.clock.now() <= deadline) {
        const m = await this.next(Math.max(1, deadline - this.clock.now()));
        if (!m) break;
        if (m.type === 'caps') {
          if (m.version !== PROTOCOL_VERSION) throw new MwwError('device', `the device speaks HIL protocol version ${m.version}; this mww speaks ${PROTOCOL_VERSION}`);
          this.caps = { version: m.version, queueFrames: m.queueFrames, maxSamplesPerFrame: m.maxSamplesPerFrame, models: m.models };
          return this.caps;
        }
        if (m.type === 'error') this.deviceError(m);
      }
    }
    throw new MwwError(
      'device',
      `no HIL answer from the device after 5 attempts (${this.logLines} log line(s) seen): is the test-mode firmware (mww_hil) flashed, and is the baud rate right?`,
    );
  }

  /** Stream one recording (16 kHz s16; only whole 10 ms steps are sent) and collect the device's results. */
  async stream(samples: Int16Array, o: StreamOptions): Promise<StreamResult> {
    const caps = this.caps ?? (await this.hello());
    const spf = o.samplesPerFrame ?? STEP_SAMPLES;
    if (!(Number.isInteger(spf) && spf > 0 && spf % STEP_SAMPLES === 0 && spf <= caps.maxSamplesPerFrame)) {
      throw new MwwError('usage', `samples per frame must be a multiple of ${STEP_SAMPLES} up to the device's ${caps.maxSamplesPerFrame}, got ${spf}`);
    }
    if (o.model !== ALL_MODELS && !caps.models[o.model]) throw new MwwError('usage', `the device has no model ${o.model} (it has ${caps.models.join(', ')})`);
    const steps = Math.floor(samples.length / STEP_SAMPLES);
    const total = Math.ceil(steps / (spf / STEP_SAMPLES));
    const frameAt = (seq: number): Int16Array => samples.subarray(seq * spf, Math.min((seq + 1) * spf, steps * STEP_SAMPLES));

    const probabilities = new Map<number, (number | undefined)[]>();
    const detections: StreamResult['detections'] = [];
    const timesSent = new Uint8Array(total); // 0, 1, or 2 for "more than once"
    const host = { framesTotal: total, framesSent: 0, framesResent: 0, naks: 0, timeouts: 0, resendRequests: 0, eventsLost: 0 };
    // The session (and its decoder) outlives one recording: per-recording figures are differences.
    const logLinesBefore = this.logLines;
    const lineBefore = { ...this.decoder.stats };

    // START (retried until acknowledged; the device answers ACK nextSeq 0 with its credits).
    let acked = 0;
    let credits = 0;
    for (let attempt = 0; ; attempt++) {
      if (attempt === 5) throw new MwwError('device', 'the HIL device did not acknowledge START after 5 attempts');
      await this.send({ type: 'start', model: o.model, stride: o.stride, samplesPerFrame: spf, flags: 1 });
      const m = await this.waitFor((x) => x.type === 'ack' || x.type === 'error');
      if (m?.type === 'error') this.deviceError(m);
      if (m?.type === 'ack' && m.nextSeq === 0) {
        credits = m.credits;
        break;
      }
    }
    const started = this.clock.now();
    let sendNext = 0;
    let stopSent = -1; // clock time of the last STOP
    let expectedEvent = 0;
    let resendAskedFor = -1;
    let done: StatusInfo | null = null;
    let quiet = 0;
    let progress = { acked: -1, events: -1, at: this.clock.now() };

    const store = (m: Extract<Message, { type: 'report' | 'detect' }>): void => {
      if (m.type === 'report') {
        const list = probabilities.get(m.model) ?? [];
        list[m.invoke] = m.probability;
        probabilities.set(m.model, list);
      } else detections.push({ invoke: m.invoke, model: m.model, windowSum: m.windowSum });
    };

    for (;;) {
      // Send what the credit window allows: frames below acked + credits, never more (the device's queue).
      while (sendNext < total && sendNext < acked + credits) {
        const times = timesSent[sendNext]!;
        if (times === 1) host.framesResent++;
        if (times < 2) timesSent[sendNext] = times + 1;
        await this.send({ type: 'audio', seq: sendNext, samples: frameAt(sendNext) });
        host.framesSent++;
        sendNext++;
        o.onProgress?.(sendNext, total);
      }
      if (acked >= total && !done && (stopSent < 0 || this.clock.now() - stopSent >= this.timeoutMs)) {
        await this.send({ type: 'stop', frames: total });
        stopSent = this.clock.now();
      }
      if (done && expectedEvent >= done.events) break;

      const m = await this.next();
      if (acked !== progress.acked || expectedEvent !== progress.events) progress = { acked, events: expectedEvent, at: this.clock.now() };
      if (this.clock.now() - progress.at > this.maxTimeouts * this.timeoutMs) {
        throw new MwwError('device', `no progress with the HIL device for ${seconds(this.maxTimeouts * this.timeoutMs)} s (frame ${acked} of ${total} acknowledged, ${expectedEvent} event(s) received): the link loses too much`);
      }
      if (!m) {
        host.timeouts++;
        if (++quiet >= this.maxTimeouts) {
          throw new MwwError('device', `the HIL device stopped answering (${quiet} timeouts of ${seconds(this.timeoutMs)} s; frame ${acked} of ${total} acknowledged, ${expectedEvent} event(s) received)`);
        }
        // Lost ACK/NAK/last frame or lost tail of the reports: ask for the state and restart from it.
        resendAskedFor = -1;
        stopSent = -1;
        sendNext = acked; // go back N: whatever was in flight past the last acknowledged frame is resent
        await this.send({ type: 'poll' });
        if (done && expectedEvent < done.events) {
          host.resendRequests++;
          await this.send({ type: 'resend', fromEvent: expectedEvent });
        }
        continue;
      }
      quiet = 0;
      switch (m.type) {
        case 'ack':
          if (m.nextSeq >= acked) {
            acked = m.nextSeq;
            credits = m.credits;
          }
          if (sendNext < acked) sendNext = acked;
          break;
        case 'nak':
          host.naks++;
          if (m.expectedSeq >= acked) acked = m.expectedSeq;
          sendNext = Math.max(acked, Math.min(sendNext, m.expectedSeq));
          break;
        case 'report':
        case 'detect':
          if (m.event === expectedEvent) {
            store(m);
            expectedEvent++;
          } else if (m.event > expectedEvent && resendAskedFor !== expectedEvent) {
            resendAskedFor = expectedEvent;
            host.resendRequests++;
            await this.send({ type: 'resend', fromEvent: expectedEvent });
          }
          break;
        case 'gone':
          if (m.fromEvent <= expectedEvent && m.oldestEvent > expectedEvent) {
            host.eventsLost += m.oldestEvent - expectedEvent;
            expectedEvent = m.oldestEvent;
          }
          break;
        case 'status':
          if (m.nextSeq > acked) acked = m.nextSeq;
          if (sendNext < acked) sendNext = acked;
          if (m.state === DeviceState.RUNNING) credits = m.credits;
          if (m.state === DeviceState.DONE) {
            done = m;
            if (expectedEvent < m.events && resendAskedFor !== expectedEvent) {
              resendAskedFor = expectedEvent;
              host.resendRequests++;
              await this.send({ type: 'resend', fromEvent: expectedEvent });
            }
          } else if (m.state === DeviceState.IDLE) {
            throw new MwwError('device', 'the HIL device left test mode during the run (it was reset or restarted)');
          }
          break;
        case 'error':
          this.deviceError(m);
        // falls through never: deviceError throws
        default:
          break;
      }
    }
    const line = { ...this.decoder.stats };
    for (const k of Object.keys(line) as (keyof DecoderStats)[]) line[k] -= lineBefore[k];
    const wallSeconds = (this.clock.now() - started) / 1000;
    return { probabilities, detections, device: done!, host: { ...host, line, logLines: this.logLines - logLinesBefore }, audioSeconds: (steps * STEP_SAMPLES) / 16000, wallSeconds };
  }

  private async waitFor(pred: (m: Message) => boolean): Promise<Message | null> {
    const deadline = this.clock.now() + this.timeoutMs;
    for (;;) {
      const left = deadline - this.clock.now();
      if (left <= 0) return null;
      const m = await this.next(left);
      if (!m) return null;
      if (pred(m)) return m;
    }
  }
}

/** Milliseconds as seconds for messages, in the unit of `mww hil --timeout`. */
function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}
