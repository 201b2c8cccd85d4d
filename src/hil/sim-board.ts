import { StreamingDetector } from '../detect/detector.js';
import type { EsphomeRule } from '../detect/rules.js';
import { MicroFrontend, toEsphomeInt8 } from '../frontend/index.js';
import { FEATURES_PER_SLICE, MicroInterpreter } from '../micro/interpreter.js';
import type { TfliteModel } from '../tflite/model.js';
import { FrameFaults, type FramePlan } from './faults.js';
import {
  ALL_MODELS,
  DeviceState,
  ErrorCode,
  FrameDecoder,
  NakReason,
  PROTOCOL_VERSION,
  encode,
  type DeviceEvent,
  type DeviceStateCode,
  type Message,
  type StatusInfo,
} from './protocol.js';

/**
 * The device side of the HIL protocol on the host runtime: what `firmware/components/mww_hil` does on a real
 * board, with mww's frontend (bit-exact with the device's) and MicroInterpreter (bit-exact with TFLM) in place
 * of micro_wake_word. Used in-process by the tests and `mww hil`'s CI runs, and over a serial device by
 * `mww sim --hil` (src/cli/commands/sim.ts, through the serial fault injector like the loader board).
 *
 * It plugs into the serial code's virtual line (`VirtualLink`) as a BoardEndpoint. Audio is consumed on a
 * later event-loop turn than it arrives ("the device's loop"), a few steps per turn, so the host really runs
 * against the credit window. Deliberate defects for testing the host: `perturb` (report a different output at
 * invoke k) and frame faults in both directions (`faults`).
 */

export interface HilSimModel {
  /** The id the device reports in CAPS (micro_wake_word's model id, e.g. "okay_nabu"). */
  id: string;
  model: TfliteModel;
  /** probability_cutoff (0–1) and sliding_window_size, as in the manifest. */
  cutoff: number;
  window: number;
}

export interface Perturbation {
  invoke: number;
  /** Model index (default 0). */
  model?: number;
  /** The value to report instead (default: the true output + 1, modulo 256). */
  value?: number;
}

export interface HilSimOptions {
  models: HilSimModel[];
  /** The device UART's rate; the host must use the same (default 921600). */
  baudRate?: number;
  /** Audio frames the device buffers (its credit window), default 32. */
  queueFrames?: number;
  maxSamplesPerFrame?: number;
  /** Feature steps (160 samples) consumed per loop turn, default 8. */
  stepsPerTick?: number;
  /** Events kept for RESEND, default 1024. */
  history?: number;
  esphome?: EsphomeRule;
  perturb?: Perturbation[];
  faults?: { toDevice?: FramePlan; fromDevice?: FramePlan };
  /** Interleave ESPHome-like log lines (detections, start) with the frames, as a real board does. Default true. */
  logLines?: boolean;
}

interface ModelRun {
  spec: HilSimModel;
  index: number;
  interpreter: MicroInterpreter;
  input: Int8Array;
  filled: number;
  probabilities: number[];
  /** Plain sliding-window sum (no resets) after the newest invoke, reported in REPORT. */
  windowSum: number;
  /** ESPHome's decision rule, fed slice by slice as micro_wake_word does. */
  detector: StreamingDetector;
}

export class HilSimBoard {
  readonly baudRate: number;
  readonly toDeviceFaults: FrameFaults;
  readonly fromDeviceFaults: FrameFaults;
  private send: (bytes: Uint8Array) => void = () => {};
  private readonly queueFrames: number;
  private readonly maxSamples: number;
  private readonly stepsPerTick: number;
  private readonly historySize: number;
  private readonly esphome: EsphomeRule;
  private readonly lineDecoder: FrameDecoder;
  private readonly decoder: FrameDecoder;

  private state: DeviceStateCode = DeviceState.IDLE;
  private runs: ModelRun[] = [];
  private frontend = new MicroFrontend();
  private queue: Int16Array[] = [];
  private residual = new Int16Array(0);
  private nextSeq = 0;
  private stopFrames = -1;
  private history: Uint8Array[] = [];
  private historyBase = 0;
  private nakSentFor = -1;
  private ticking = false;
  private stats = { framesReceived: 0, gaps: 0, duplicates: 0, overflows: 0, resends: 0, invokes: 0 };

  constructor(private readonly opts: HilSimOptions) {
    if (opts.models.length === 0) throw new RangeError('HilSimBoard needs at least one model');
    this.baudRate = opts.baudRate ?? 921600;
    this.queueFrames = opts.queueFrames ?? 32;
    this.maxSamples = opts.maxSamplesPerFrame ?? 1600;
    this.stepsPerTick = opts.stepsPerTick ?? 8;
    this.historySize = opts.history ?? 1024;
    this.esphome = opts.esphome ?? '2025';
    this.toDeviceFaults = new FrameFaults(opts.faults?.toDevice);
    this.fromDeviceFaults = new FrameFaults(opts.faults?.fromDevice);
    this.decoder = new FrameDecoder({ message: (m) => this.handle(m) });
    // The line layer splits the byte stream into frames so to-device faults hit whole frames.
    this.lineDecoder = new FrameDecoder({
      message: () => {},
      rawFrame: (raw) => {
        const delivered = this.toDeviceFaults.apply(raw);
        if (delivered) this.decoder.push(delivered);
      },
    });
  }

  // --- BoardEndpoint (src/serial/sim/link.ts) ---
  attach(send: (bytes: Uint8Array) => void): void {
    this.send = send;
  }
  setSignals(): void {
    // No reset wiring in test mode: the protocol's own START/RESET frames restart a run.
  }
  receive(bytes: Uint8Array): void {
    this.lineDecoder.push(bytes);
  }

  /** Everything the device counted (also sent in STATUS). */
  status(): StatusInfo {
    return {
      state: this.state,
      nextSeq: this.nextSeq,
      credits: this.credits(),
      events: this.historyBase + this.history.length,
      invokes: this.stats.invokes,
      framesReceived: this.stats.framesReceived,
      crcErrors: this.decoder.stats.crcErrors + this.decoder.stats.malformed + this.lineDecoder.stats.crcErrors,
      gaps: this.stats.gaps,
      duplicates: this.stats.duplicates,
      overflows: this.stats.overflows,
      resends: this.stats.resends,
    };
  }

  private credits(): number {
    return Math.max(0, this.queueFrames - this.queue.length);
  }

  private emit(m: Message): void {
    const delivered = this.fromDeviceFaults.apply(encode(m));
    if (delivered) this.send(delivered);
  }

  private log(line: string): void {
    if (this.opts.logLines !== false) this.send(new TextEncoder().encode(line + '\r\n'));
  }

  private handle(m: Message): void {
    switch (m.type) {
      case 'hello':
        this.emit({ type: 'caps', version: PROTOCOL_VERSION, queueFrames: this.queueFrames, maxSamplesPerFrame: this.maxSamples, models: this.opts.models.map((s) => s.id) });
        return;
      case 'start':
        this.start(m.model, m.stride);
        return;
      case 'audio':
        this.audio(m.seq, m.samples);
        return;
      case 'stop':
        this.stop(m.frames);
        return;
      case 'reset':
        this.state = DeviceState.IDLE;
        this.queue = [];
        this.emit({ type: 'ack', nextSeq: this.nextSeq, credits: this.credits() });
        return;
      case 'poll':
        this.emit({ type: 'ack', nextSeq: this.nextSeq, credits: this.credits() });
        this.emit({ type: 'status', ...this.status() });
        return;
      case 'resend':
        this.resend(m.fromEvent);
        return;
      default:
        this.emit({ type: 'error', code: ErrorCode.BAD_REQUEST, message: `unexpected ${m.type} frame from the host` });
    }
  }

  private start(model: number, stride: number): void {
    const selected = model === ALL_MODELS ? this.opts.models.map((_, i) => i) : [model];
    if (selected.some((i) => !this.opts.models[i])) {
      this.emit({ type: 'error', code: ErrorCode.NO_SUCH_MODEL, message: `no model ${model}; this device has ${this.opts.models.length}` });
      return;
    }
    const runs = selected.map((index) => {
      const spec = this.opts.models[index]!;
      const interpreter = MicroInterpreter.create(spec.model, { source: spec.id });
      const detector = new StreamingDetector({ cutoff: spec.cutoff, window: spec.window, esphome: this.esphome, stride: interpreter.stride });
      return { spec, index, interpreter, input: new Int8Array(interpreter.stride * FEATURES_PER_SLICE), filled: 0, probabilities: [], windowSum: 0, detector };
    });
    const wrong = runs.find((r) => stride !== 0 && r.interpreter.stride !== stride);
    if (wrong) {
      this.emit({ type: 'error', code: ErrorCode.BAD_REQUEST, message: `stride mismatch: the host says ${stride}, model ${wrong.spec.id} has ${wrong.interpreter.stride}` });
      return;
    }
    this.runs = runs;
    this.frontend = new MicroFrontend();
    this.queue = [];
    this.residual = new Int16Array(0);
    this.nextSeq = 0;
    this.stopFrames = -1;
    this.history = [];
    this.historyBase = 0;
    this.nakSentFor = -1;
    this.stats = { framesReceived: 0, gaps: 0, duplicates: 0, overflows: 0, resends: 0, invokes: 0 };
    this.state = DeviceState.RUNNING;
    this.log(`[I][mww_hil:050]: test mode started: ${runs.map((r) => r.spec.id).join(', ')}`);
    this.emit({ type: 'ack', nextSeq: 0, credits: this.credits() });
  }

  private audio(seq: number, samples: Int16Array): void {
    if (this.state !== DeviceState.RUNNING) {
      this.stats.duplicates++;
      return;
    }
    if (seq < this.nextSeq) {
      this.stats.duplicates++;
      return;
    }
    if (seq > this.nextSeq) {
      // A frame before this one was lost or corrupted: go-back-N, ask once per hole.
      if (this.nakSentFor !== this.nextSeq) {
        this.stats.gaps++;
        this.nakSentFor = this.nextSeq;
        this.emit({ type: 'nak', expectedSeq: this.nextSeq, reason: NakReason.GAP });
      }
      return;
    }
    if (this.queue.length >= this.queueFrames || samples.length > this.maxSamples) {
      this.stats.overflows++; // the host ignored the credits: drop, the NAK-less hole is found by its timeout
      return;
    }
    this.queue.push(samples);
    this.nextSeq++;
    this.nakSentFor = -1;
    this.stats.framesReceived++;
    this.scheduleTick();
  }

  private stop(frames: number): void {
    if (this.state === DeviceState.IDLE) {
      this.emit({ type: 'error', code: ErrorCode.NOT_RUNNING, message: 'STOP without START' });
      return;
    }
    if (this.state === DeviceState.DONE) {
      this.emit({ type: 'status', ...this.status() });
      return;
    }
    if (this.nextSeq < frames) {
      this.emit({ type: 'nak', expectedSeq: this.nextSeq, reason: NakReason.GAP });
      return;
    }
    this.stopFrames = frames;
    this.state = DeviceState.DRAINING;
    this.scheduleTick();
  }

  private resend(from: number): void {
    const end = this.historyBase + this.history.length;
    if (from < this.historyBase) {
      this.emit({ type: 'gone', fromEvent: from, oldestEvent: this.historyBase });
      from = this.historyBase;
    }
    for (let e = from; e < end; e++) {
      this.stats.resends++;
      const delivered = this.fromDeviceFaults.apply(this.history[e - this.historyBase]!);
      if (delivered) this.send(delivered);
    }
    if (this.state === DeviceState.DONE) this.emit({ type: 'status', ...this.status() });
  }

  private scheduleTick(): void {
    if (this.ticking) return;
    this.ticking = true;
    setImmediate(() => this.tick());
  }

  /** One pass of the device's loop: feed queued audio to the frontend and the models, then grant credits. */
  private tick(): void {
    this.ticking = false;
    if (this.state !== DeviceState.RUNNING && this.state !== DeviceState.DRAINING) return;
    let steps = 0;
    let consumed = 0;
    while (steps < this.stepsPerTick && this.queue.length > 0) {
      const frame = this.queue.shift()!;
      consumed++;
      const samples = this.residual.length ? concat(this.residual, frame) : frame;
      let pos = 0;
      for (; pos + 160 <= samples.length; pos += 160, steps++) this.step(samples.subarray(pos, pos + 160));
      this.residual = samples.slice(pos);
    }
    if (consumed > 0) this.emit({ type: 'ack', nextSeq: this.nextSeq, credits: this.credits() });
    if (this.queue.length > 0) this.scheduleTick();
    else if (this.state === DeviceState.DRAINING && this.nextSeq >= this.stopFrames) this.finish();
  }

  private step(samples: Int16Array): void {
    const u16 = this.frontend.process(samples);
    if (!u16) return;
    const slice = toEsphomeInt8(u16);
    for (const run of this.runs) {
      run.input.set(slice, run.filled * FEATURES_PER_SLICE);
      let p: number | undefined;
      if (++run.filled === run.interpreter.stride) {
        run.filled = 0;
        const invoke = run.probabilities.length;
        p = run.interpreter.invoke(run.input);
        const perturbation = this.opts.perturb?.find((q) => q.invoke === invoke && (q.model ?? 0) === run.index);
        if (perturbation) p = perturbation.value ?? (p + 1) & 0xff;
        run.probabilities.push(p);
        if (run.index === this.runs[0]!.index) this.stats.invokes++;
        run.windowSum += p - (invoke >= run.spec.window ? run.probabilities[invoke - run.spec.window]! : 0);
        this.event({ type: 'report', event: 0, invoke, model: run.index, probability: p, windowSum: run.windowSum });
      }
      // Every slice goes through the decision rule (it may fire between invokes, when a hold-off ends).
      const detection = run.detector.slice(p)?.detection;
      if (detection) {
        this.log(`[D][micro_wake_word:141]: Wake Word '${run.spec.id}' Detected`);
        this.event({ type: 'detect', event: 0, invoke: detection.invokeIndex, model: run.index, windowSum: detection.windowSum });
      }
    }
  }

  private finish(): void {
    this.state = DeviceState.DONE;
    this.emit({ type: 'status', ...this.status() });
  }

  private event(e: DeviceEvent): void {
    const numbered = { ...e, event: this.historyBase + this.history.length };
    const bytes = encode(numbered);
    this.history.push(bytes);
    if (this.history.length > this.historySize) {
      this.history.shift();
      this.historyBase++;
    }
    const delivered = this.fromDeviceFaults.apply(bytes);
    if (delivered) this.send(delivered);
  }
}

function concat(a: Int16Array, b: Int16Array): Int16Array {
  const out = new Int16Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
