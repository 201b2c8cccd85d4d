import { MwwError } from '../errors.js';
import type { Chip } from '../micro/arena/index.js';
import type { Clock } from './clock.js';
import { LineSplitter, parseLogLine } from './logline.js';
import type { SerialTransport } from './transport/types.js';

/** What the build says the device should report: from BUILD_DIR (see target.ts). */
export interface ExpectedBuild {
  chip?: Chip;
  /** SHA-256 (lowercase hex) of every model file the build embedded, with its file name. */
  models?: { file: string; sha256: string }[];
}

export interface ModelReport {
  id: string;
  wakeWord?: string;
  sha256?: string;
  arena?: number;
  loaded: boolean | null;
  reason?: string;
  requested?: number;
  available?: number;
  /** The model's hash is one of the built models' (null: nothing to compare with). */
  hashMatches: boolean | null;
}

export interface BootReport {
  ok: boolean;
  /** Everything needed for a verdict has been seen (all load results, or a boot failure). */
  complete: boolean;
  esphomeVersion?: string;
  identity?: { mww?: string; chip?: string; esphome?: string };
  models: ModelReport[];
  bootError?: string;
  problems: string[];
}

interface IdentityJson {
  v?: number;
  mww?: string;
  chip?: string;
  esphome?: string;
  models?: { id?: string; wakeWord?: string; sha256?: string; arena?: number }[];
}

const BOOT_ERRORS: RegExp[] = [
  /^invalid header: 0x[0-9a-f]+/,
  /^Checksum failure/,
  /esp_image: .*/,
  /boot: No bootable app partitions.*/,
  /flash_parts: .*/,
  /boot: load partition table error.*/,
  /Guru Meditation Error.*/,
  /abort\(\) was called.*/,
];

/**
 * Read an ESPHome boot log (lines as received) and decide: the ESPHome version line, the mww identity line
 * (chip and model hashes against the build), and micro_wake_word's result per model with TFLM's numbers.
 */
export function analyzeBootLog(rawLines: string[], expected: ExpectedBuild = {}): BootReport {
  const problems: string[] = [];
  const report: BootReport = { ok: false, complete: false, models: [], problems };
  let pendingResize: { requested: number; available: number } | null = null;
  const loads = new Map<string, { ok: boolean; reason?: string; requested?: number; available?: number }>();
  let identity: IdentityJson | null = null;
  for (const raw of rawLines) {
    const line = parseLogLine(raw);
    const text = line.text;
    if (!report.bootError && BOOT_ERRORS.some((re) => re.test(text))) report.bootError = text.trim();
    const resize = /Failed to resize buffer\. Requested: (\d+), available (\d+)/.exec(text);
    if (resize) pendingResize = { requested: Number(resize[1]), available: Number(resize[2]) };
    if (line.tag === 'app') {
      const v = /^ESPHome version (\S+)/.exec(line.message);
      if (v) report.esphomeVersion = v[1];
    }
    if (line.tag === 'mww') {
      const id = /^mww-identity (\{.*\})\s*$/.exec(line.message);
      if (id && !identity) {
        try {
          identity = JSON.parse(id[1]!) as IdentityJson;
        } catch {
          problems.push(`the mww-identity line is not valid JSON: ${id[1]!.slice(0, 80)}`);
        }
      }
      const load = /^mww-load (\{.*\})\s*$/.exec(line.message);
      if (load) {
        try {
          const j = JSON.parse(load[1]!) as { id?: string; ok?: boolean; reason?: string };
          if (typeof j.id === 'string') {
            loads.set(j.id, { ok: j.ok === true, reason: j.reason, ...(j.ok !== true && pendingResize ? pendingResize : {}) });
            pendingResize = null;
          }
        } catch {
          problems.push(`an mww-load line is not valid JSON: ${load[1]!.slice(0, 80)}`);
        }
      }
    }
  }

  if (report.bootError) {
    report.complete = true;
    problems.unshift(`the board did not start the firmware: ${report.bootError}`);
    return report;
  }
  if (!identity) {
    report.complete = false;
    if (report.esphomeVersion) problems.push('no mww-identity line in the boot log: the firmware on the board was not built by mww');
    else problems.push('no ESPHome boot log seen');
    return report;
  }
  report.identity = { mww: identity.mww, chip: identity.chip, esphome: identity.esphome };
  if (expected.chip && identity.chip && identity.chip !== expected.chip) problems.push(`the firmware reports chip ${identity.chip}, but the board is ${expected.chip}`);
  if (report.esphomeVersion && identity.esphome && report.esphomeVersion !== identity.esphome) {
    problems.push(`ESPHome version on the board is ${report.esphomeVersion}, but the project was generated for ${identity.esphome}`);
  }
  const built = new Map((expected.models ?? []).map((m) => [m.sha256.toLowerCase(), m.file]));
  const models = Array.isArray(identity.models) ? identity.models : [];
  for (const m of models) {
    const id = String(m.id ?? '?');
    const l = loads.get(id);
    const r: ModelReport = {
      id,
      wakeWord: m.wakeWord,
      sha256: m.sha256,
      arena: m.arena,
      loaded: l ? l.ok : null,
      reason: l?.reason,
      requested: l?.requested,
      available: l?.available,
      hashMatches: built.size === 0 ? null : built.has(String(m.sha256).toLowerCase()),
    };
    report.models.push(r);
    if (r.hashMatches === false) problems.push(`model ${id} on the board (sha256 ${String(m.sha256).slice(0, 12)}…) is none of the built models (${[...built.values()].join(', ')}): the board runs a different build`);
    if (l && !l.ok) {
      if (l.requested !== undefined && l.available !== undefined) {
        problems.push(`${id}: arena too small: requested ${l.requested}, available ${l.available} (tensor_arena_size ${m.arena ?? '?'} is ${l.requested - l.available} bytes short at this allocation; \`mww arena\` computes the exact minimum for this chip)`);
      } else problems.push(`${id} failed to load: ${l.reason ?? 'unknown reason'}`);
    }
  }
  // The version line follows the identity line; both, and every model's load result, make a verdict.
  report.complete = !!report.esphomeVersion && models.every((m) => loads.has(String(m.id ?? '?')));
  if (!report.complete && !report.esphomeVersion) problems.push('no "ESPHome version" line in the boot log');
  report.ok = report.complete && problems.length === 0;
  return report;
}

export interface ReadBootOptions {
  clock: Clock;
  expected?: ExpectedBuild;
  /** How long to wait for a complete verdict (the log stops early on one). */
  timeoutMs?: number;
  onLine?: (line: string) => void;
}

/**
 * Read the boot log that follows a reset until the verdict is complete or the time is up; returns the lines
 * and the final analysis. The caller resets the board (the read must be listening before the reset).
 */
export class BootLogReader {
  readonly lines: string[] = [];
  private splitter = new LineSplitter();
  private wake: (() => void) | null = null;
  private gone: string | null = null;
  private offs: (() => void)[];

  constructor(
    private readonly transport: SerialTransport,
    private readonly opts: ReadBootOptions,
  ) {
    this.offs = [
      transport.onData((c) => {
        for (const l of this.splitter.push(c)) {
          this.lines.push(l);
          opts.onLine?.(l);
        }
        this.wake?.();
      }),
      transport.onDisconnect((r) => {
        this.gone = r;
        this.wake?.();
      }),
    ];
  }

  async result(): Promise<BootReport> {
    const { clock } = this.opts;
    const deadline = clock.now() + (this.opts.timeoutMs ?? 15000);
    let analyzed = -1;
    try {
      for (;;) {
        // Data arrives in small chunks: only a new complete line can change the verdict.
        if (this.lines.length !== analyzed) {
          analyzed = this.lines.length;
          const report = analyzeBootLog(this.lines, this.opts.expected);
          if (report.complete) return report;
        }
        if (this.gone) throw new MwwError('io', `${this.transport.info.path}: the port disappeared while reading the boot log (${this.gone})`);
        const left = deadline - clock.now();
        if (left <= 0) {
          const final = analyzeBootLog([...this.lines, ...this.splitter.flush()], this.opts.expected);
          final.problems.push(`no complete verdict within ${Math.round((this.opts.timeoutMs ?? 15000) / 1000)} s of the reset (${this.lines.length} lines read)`);
          return final;
        }
        const t = clock.timer(left);
        await Promise.race([new Promise<void>((r) => (this.wake = r)), t.promise]);
        t.cancel();
        this.wake = null;
      }
    } finally {
      for (const off of this.offs) off();
    }
  }
}
