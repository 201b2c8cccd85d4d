/** Flag helpers for the test/eval/manifest commands: the generic ones live in src/cli/args.ts. */
import { MwwError } from '../errors.js';
import { parseEsphomeRule, type EsphomeRule } from './rules.js';
import { str } from '../cli/args.js';
import type { ParsedArgs } from '../cli/command.js';

export { num, required, str, strList } from '../cli/args.js';

export function esphomeRule(args: ParsedArgs): EsphomeRule {
  const s = str(args, 'esphome');
  if (s === undefined) return '2025';
  const r = parseEsphomeRule(s);
  if (!r) throw new MwwError('usage', `--esphome must be 2024.11 or 2025 (the two decision rules ESPHome has used), got "${s}"`);
  return r;
}
