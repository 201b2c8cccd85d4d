/**
 * Turning a command's words into its option values: node:util parseArgs, with two things it does badly fixed
 * (negative numbers as values, and messages that say what mww expected, with "did you mean").
 */
import { parseArgs } from 'node:util';
import { MwwError } from '../errors.js';
import type { Command, ParsedArgs } from './command.js';

/**
 * node:util parseArgs refuses `--arena -5` as "ambiguous" (the value looks like an option). For string options
 * a value that looks like a negative number is joined to its flag (`--arena=-5`) so that the command's own
 * check reports what it expects.
 */
function joinNegativeValues(args: string[], options: Command['options']): string[] {
  const takesValue = new Set<string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.type !== 'string') continue;
    takesValue.add(`--${name}`);
    if (o.short) takesValue.add(`-${o.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    if (takesValue.has(a) && next !== undefined && /^-(\d|\.\d|inf)/i.test(next)) {
      out.push(a.startsWith('--') ? `${a}=${next}` : `${a}${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Levenshtein distance, for "did you mean" on a mistyped command. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** node:util parseArgs messages, reworded to say what mww expected. */
function parseErrorText(e: Error, command: string, optionNames: string[]): string {
  const m = e.message;
  let hit = /^Option '(-[^' ]+)(?: <value>)?' argument missing/.exec(m);
  if (hit) return `${hit[1]} needs a value`;
  hit = /^Option '(-[^']+)' argument is ambiguous/.exec(m);
  if (hit) return `${hit[1]} needs a value, but an option follows it (for a value that starts with '-', write ${hit[1]}=VALUE)`;
  hit = /^Unknown option '(-[^']+)'/.exec(m);
  if (hit) {
    const flag = hit[1]!.replace(/^-+/, '').split('=')[0]!;
    const near = [...optionNames, 'json', 'help'].filter((o) => editDistance(o, flag) <= 2);
    return `unknown option '${hit[1]}' for mww ${command}${near.length ? ` (did you mean ${near.map((o) => `--${o}`).join(' or ')}?)` : ''}`;
  }
  return m;
}


/** Candidates within two edits of `word` (for "did you mean"). */
export function closeMatches(word: string, candidates: readonly string[]): string[] {
  return candidates.filter((c) => editDistance(c, word) <= 2);
}

/** Parse `args` against a command's options (plus --json and --help); a usage MwwError when they do not fit. */
export function parseCommandArgs(command: Command, args: string[]): ParsedArgs & { help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(args, command.options),
      options: { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new MwwError('usage', `${parseErrorText(e as Error, command.name, Object.keys(command.options))}\n\n${command.usage}`);
  }
  return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals, help: parsed.values.help === true };
}
