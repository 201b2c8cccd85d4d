/**
 * Everything a command prints goes through an Output: human text or JSON on stdout, warnings and progress
 * on stderr, colour only when the stream is a terminal and NO_COLOR is unset (https://no-color.org).
 */
export interface TextSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface OutputOptions {
  stdout: TextSink;
  stderr: TextSink;
  env: Record<string, string | undefined>;
  json: boolean;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2 } as const;
export type ColorName = keyof typeof CODES;

export function colorEnabled(stream: TextSink, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export class Output {
  readonly json: boolean;
  readonly color: boolean;
  private readonly errColor: boolean;
  private progressOpen = false;
  /** True once the JSON result went to stdout (so an error after it must not add a second document). */
  resultWritten = false;
  /** True once a JSON line was streamed (`monitor --json`): a later error must be one line too. */
  streamedLines = false;

  constructor(private readonly opts: OutputOptions) {
    this.json = opts.json;
    this.color = colorEnabled(opts.stdout, opts.env);
    this.errColor = colorEnabled(opts.stderr, opts.env);
  }

  /** Paint text for stdout (no-op without colour). */
  paint(color: ColorName, text: string): string {
    return this.color ? `\u001b[${CODES[color]}m${text}\u001b[0m` : text;
  }

  /** A line of human-readable output; suppressed in --json mode so stdout stays one JSON document. */
  line(text = ''): void {
    if (this.json) return;
    this.endProgress();
    this.opts.stdout.write(text + '\n');
  }

  /** The JSON result of a command (only in --json mode). */
  result(value: unknown): void {
    if (!this.json) return;
    this.opts.stdout.write(JSON.stringify(value, null, 2) + '\n');
    this.resultWritten = true;
  }

  /** One JSON object per line, for streaming commands (`monitor --json`). */
  jsonLine(value: unknown): void {
    this.opts.stdout.write(JSON.stringify(value) + '\n');
    this.streamedLines = true;
  }

  /** Raw text to stdout regardless of mode (for commands whose output is the data itself). */
  raw(text: string): void {
    this.opts.stdout.write(text);
  }

  warn(text: string): void {
    this.endProgress();
    const label = this.errColor ? `\u001b[33mwarning\u001b[0m` : 'warning';
    this.opts.stderr.write(`${label}: ${text}\n`);
  }

  error(text: string): void {
    this.endProgress();
    const label = this.errColor ? `\u001b[31merror\u001b[0m` : 'error';
    this.opts.stderr.write(`${label}: ${text}\n`);
  }

  info(text: string): void {
    this.endProgress();
    this.opts.stderr.write(text + '\n');
  }

  /**
   * Progress for long work (calibration, compile, flashing). On a terminal it redraws one line; elsewhere it
   * prints a line at each 10 % step so logs stay readable. Always on stderr, so --json output is unaffected.
   */
  progress(label: string, total: number): Progress {
    const tty = this.opts.stderr.isTTY === true;
    let lastDecile = -1;
    return {
      update: (done: number, note?: string) => {
        const frac = total > 0 ? Math.min(1, done / total) : 1;
        const pct = Math.floor(frac * 100);
        if (tty) {
          const width = 30;
          const filled = Math.round(frac * width);
          const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
          this.opts.stderr.write(`\r${label} [${bar}] ${String(pct).padStart(3)}%${note ? ' ' + note : ''}\u001b[K`);
          this.progressOpen = true;
        } else {
          const decile = Math.floor(pct / 10);
          if (decile !== lastDecile) {
            lastDecile = decile;
            this.opts.stderr.write(`${label}: ${pct}%${note ? ' ' + note : ''}\n`);
          }
        }
      },
      done: (note?: string) => {
        if (tty) {
          this.opts.stderr.write(`\r${label}: done${note ? ' ' + note : ''}\u001b[K\n`);
          this.progressOpen = false;
        } else if (lastDecile !== 10) {
          this.opts.stderr.write(`${label}: 100%${note ? ' ' + note : ''}\n`);
        }
      },
    };
  }

  private endProgress(): void {
    if (this.progressOpen) {
      this.opts.stderr.write('\n');
      this.progressOpen = false;
    }
  }
}

export interface Progress {
  update(done: number, note?: string): void;
  done(note?: string): void;
}
