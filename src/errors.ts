/**
 * Errors that reach the user. Everything a user can cause (bad file, bad flag, model that will not load)
 * is reported as an MwwError with a specific message; the CLI prints it without a stack trace and exits
 * with `exitCode`. Anything else is a bug in mww and is reported as such.
 */
export type ErrorKind =
  | 'usage' // wrong command-line words
  | 'input' // a file or value the user gave is wrong (format, content, range)
  | 'unsupported' // valid input mww (or ESPHome) cannot handle
  | 'contract' // the model breaks ESPHome's device contract
  | 'io' // file system / serial port trouble
  | 'device' // the board answered wrongly, or not at all
  | 'verify'; // a check after the fact failed (MD5, boot log, bit-exactness)

export class MwwError extends Error {
  readonly kind: ErrorKind;
  /** Where the problem is: a file path, optionally with a location inside it ("model.tflite: subgraph 0, tensor 12"). */
  readonly where?: string;
  readonly exitCode: number;
  readonly details?: Record<string, unknown>;

  constructor(kind: ErrorKind, message: string, opts: { where?: string; exitCode?: number; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(opts.where ? `${opts.where}: ${message}` : message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MwwError';
    this.kind = kind;
    this.where = opts.where;
    this.exitCode = opts.exitCode ?? (kind === 'usage' ? 2 : 1);
    this.details = opts.details;
  }
}

export function isMwwError(e: unknown): e is MwwError {
  return e instanceof MwwError;
}
