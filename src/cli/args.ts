/**
 * Turning command-line strings into checked values, shared by every command so that a bad flag always gets
 * the same kind of message: `--NAME must be WHAT, got "TEXT"` (exit 2), before any file is read or written.
 */
import { parseEsphomeRule, type EsphomeRule } from '../detect/rules.js';
import { MwwError } from '../errors.js';
import { checkOutputPath, samePath } from '../util/fs.js';
import type { ParsedArgs } from './command.js';

/** A string flag's value (the last one when repeated), or undefined. */
export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** A repeatable, comma-separable flag as a list of non-empty trimmed strings. */
export function strList(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v.map(String) : [String(v)]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

/** Every value of a repeatable flag, in order, as given (paths may contain commas, so no splitting as strList does). */
export function repeated(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  return v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String);
}

export interface NumberCheck {
  min?: number;
  max?: number;
  integer?: boolean;
  /** The value must be greater than `min`, not equal to it (e.g. seconds > 0). */
  exclusiveMin?: boolean;
  /** Words for the unit in the message: "a whole number of bytes". */
  what?: string;
}

/** Parse a number from flag text, or throw a usage error naming the flag, the expectation and the text. */
export function parseNumber(flag: string, s: string, check: NumberCheck = {}): number {
  const v = Number(s);
  const what = check.what ?? (check.integer ? 'an integer' : 'a number');
  const lo = check.min === undefined ? '' : check.exclusiveMin ? `> ${check.min}` : `≥ ${check.min}`;
  const range =
    check.min !== undefined && check.max !== undefined && !check.exclusiveMin ? ` from ${check.min} to ${check.max}` : `${lo ? ` ${lo}` : ''}${check.max !== undefined ? ` ≤ ${check.max}` : ''}`;
  const bad =
    s.trim() === '' ||
    !Number.isFinite(v) ||
    (check.integer && !Number.isSafeInteger(v)) ||
    (check.min !== undefined && (check.exclusiveMin ? v <= check.min : v < check.min)) ||
    (check.max !== undefined && v > check.max);
  if (bad) throw new MwwError('usage', `--${flag} must be ${what}${range}, got "${s}"`);
  return v;
}

/** A numeric flag, checked; undefined when not given. */
export function num(args: ParsedArgs, name: string, check: NumberCheck = {}): number | undefined {
  const s = str(args, name);
  return s === undefined ? undefined : parseNumber(name, s, check);
}

/** A flag that must be given. */
export function required(args: ParsedArgs, name: string, usage: string): string {
  const v = str(args, name);
  if (v === undefined || v === '') throw new MwwError('usage', `--${name} is required\n\n${usage}`);
  return v;
}

/** A flag whose value must be one of a few words. */
export function oneOf<T extends string>(args: ParsedArgs, name: string, choices: readonly T[], fallback: T): T {
  const v = str(args, name);
  if (v === undefined) return fallback;
  if (!(choices as readonly string[]).includes(v)) throw new MwwError('usage', `--${name} must be one of ${choices.join(', ')}, got "${v}"`);
  return v as T;
}

/** Reject positional words for commands that take none (or more than `max`). */
export function noExtraPositionals(args: ParsedArgs, usage: string, max = 0): void {
  if (args.positionals.length > max) throw new MwwError('usage', `unexpected argument "${args.positionals[max]}"\n\n${usage}`);
}

/**
 * Check output paths before the work starts: each must be writable as a file (not a directory, no file in the
 * way of its parent), must not be one of the inputs (that would overwrite the data being read) and must differ
 * from the other outputs.
 */
export function checkOutputs(outputs: { flag: string; path: string | undefined }[], inputs: { flag: string; path: string | undefined }[]): void {
  const given = outputs.filter((o): o is { flag: string; path: string } => typeof o.path === 'string');
  for (const [i, o] of given.entries()) {
    for (const inp of inputs) {
      if (typeof inp.path === 'string' && samePath(o.path, inp.path)) {
        throw new MwwError('usage', `${o.flag} ${o.path} is the same file as ${inp.flag}; writing it would destroy the input. Choose another output path`);
      }
    }
    for (const other of given.slice(i + 1)) {
      if (samePath(o.path, other.path)) throw new MwwError('usage', `${o.flag} and ${other.flag} are the same file (${o.path}); give two different paths`);
    }
    checkOutputPath(o.path, o.flag);
  }
}

/** `--esphome 2024.11|2025`: which of ESPHome's two detection rules to simulate (default 2025). */
export function esphomeRule(args: ParsedArgs): EsphomeRule {
  const s = str(args, 'esphome');
  if (s === undefined) return '2025';
  const r = parseEsphomeRule(s);
  if (!r) throw new MwwError('usage', `--esphome must be 2024.11 or 2025 (the two decision rules ESPHome has used), got "${s}"`);
  return r;
}
