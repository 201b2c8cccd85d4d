import type { ParseArgsConfig } from 'node:util';
import type { Output } from './output.js';

/** Parsed command line handed to a command: option values by long name, then the positional words. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/**
 * One `mww <name>` command. Each lives in its own file under `src/cli/commands/` and is loaded lazily
 * (see `registry.ts`) so that `mww inspect` never pays for loading TensorFlow.js.
 */
export interface Command {
  name: string;
  /** One line for `mww --help`. */
  summary: string;
  /** Usage text shown by `mww <name> --help` and after a usage error. */
  usage: string;
  /** `node:util` parseArgs option declarations; `--json` and `--help` are added for every command. */
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: ParsedArgs, out: Output): Promise<number>;
}
