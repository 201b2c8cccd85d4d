/** Small helpers shared by the test/eval/manifest commands for turning flag strings into checked values. */
import { MwwError } from '../errors.js';
import { parseEsphomeRule, type EsphomeRule } from './rules.js';
import type { ParsedArgs } from '../cli/command.js';

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return typeof v === 'string' ? v : undefined;
}

export function strList(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v.map(String) : [String(v)]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

export function num(args: ParsedArgs, name: string, check: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  const s = str(args, name);
  if (s === undefined) return undefined;
  const v = Number(s);
  const what = check.integer ? 'an integer' : 'a number';
  const range = check.min !== undefined && check.max !== undefined ? ` from ${check.min} to ${check.max}` : check.min !== undefined ? ` ≥ ${check.min}` : '';
  if (s.trim() === '' || !Number.isFinite(v) || (check.integer && !Number.isInteger(v)) || (check.min !== undefined && v < check.min) || (check.max !== undefined && v > check.max)) {
    throw new MwwError('usage', `--${name} must be ${what}${range}, got "${s}"`);
  }
  return v;
}

export function esphomeRule(args: ParsedArgs): EsphomeRule {
  const s = str(args, 'esphome');
  if (s === undefined) return '2025';
  const r = parseEsphomeRule(s);
  if (!r) throw new MwwError('usage', `--esphome must be 2024.11 or 2025 (the two decision rules ESPHome has used), got "${s}"`);
  return r;
}

export function required(args: ParsedArgs, name: string, usage: string): string {
  const v = str(args, name);
  if (v === undefined || v === '') throw new MwwError('usage', `--${name} is required\n\n${usage}`);
  return v;
}
