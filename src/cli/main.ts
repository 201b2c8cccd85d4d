import { MwwError, isMwwError } from '../errors.js';
import { Output, type TextSink } from './output.js';
import { COMMANDS } from './registry.js';
import { closeMatches, parseCommandArgs } from './parse.js';
import { MWW_VERSION } from '../version.js';
import { describeFsError } from '../util/fs.js';

export interface MainIo {
  stdout: TextSink;
  stderr: TextSink;
  env: Record<string, string | undefined>;
}

function topUsage(summaries: [string, string][]): string {
  const width = Math.max(...summaries.map(([n]) => n.length));
  return [
    `mww ${MWW_VERSION}: from a trained wake-word model to a working ESP32 voice device`,
    '',
    'Usage: mww <command> [options]',
    '',
    'Commands:',
    ...summaries.map(([n, s]) => `  ${n.padEnd(width)}  ${s}`),
    '',
    'Run `mww <command> --help` for the options of a command. Every command takes --json.',
  ].join('\n');
}

/** The loader of a command by name; own keys only, so `mww constructor` is an unknown command, not a crash. */
function loaderOf(name: string | undefined): (typeof COMMANDS)[string] | undefined {
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

/** A Node file-system error (it has an errno code, a syscall and usually a path): the user's environment, not a bug. */
function asFsError(e: unknown): MwwError | null {
  const err = e as NodeJS.ErrnoException;
  if (!err || typeof err !== 'object' || typeof err.code !== 'string' || typeof err.syscall !== 'string') return null;
  if (!/^E[A-Z]+$/.test(err.code)) return null;
  return new MwwError('io', `cannot ${err.syscall} (${describeFsError(err)})`, { where: err.path, cause: e });
}

/**
 * Run one mww command line and return its exit code. Used by bin/mww.js and, in-process, by the tests.
 * User mistakes come back as MwwError and are printed as one specific message, never a stack trace.
 */
export async function main(argv: string[], io: MainIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const dashDash = argv.indexOf('--');
  const wantsJson = (dashDash < 0 ? argv : argv.slice(0, dashDash)).includes('--json');
  const out = new Output({ stdout: io.stdout, stderr: io.stderr, env: io.env, json: wantsJson });
  const [name, ...rest] = argv;
  try {
    const helpFor = name === 'help' ? loaderOf(rest[0]) : undefined;
    if (helpFor) {
      io.stdout.write((await helpFor()).default.usage + '\n');
      return 0;
    }
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const summaries: [string, string][] = [];
      for (const [n, load] of Object.entries(COMMANDS)) {
        // One command that fails to load must not take the whole help page down with it.
        const summary = await load().then(
          (m) => m.default.summary,
          (e: unknown) => `(unavailable: ${(e as Error)?.message ?? String(e)})`,
        );
        summaries.push([n, summary]);
      }
      io.stdout.write(topUsage(summaries) + '\n');
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-V') {
      io.stdout.write(MWW_VERSION + '\n');
      return 0;
    }
    const load = loaderOf(name);
    if (!load) {
      const names = Object.keys(COMMANDS);
      if (name.startsWith('-')) throw new MwwError('usage', `unknown option '${name}': options go after the command (mww <command> [options]); commands: ${names.join(', ')}`);
      const near = closeMatches(name, names);
      throw new MwwError('usage', `unknown command '${name}'.${near.length ? ` Did you mean ${near.join(' or ')}?` : ''} Commands: ${names.join(', ')}`);
    }
    const command = (await load()).default;
    const parsed = parseCommandArgs(command, rest);
    if (parsed.help) {
      io.stdout.write(command.usage + '\n');
      return 0;
    }
    return await command.run({ values: parsed.values, positionals: parsed.positionals }, out);
  } catch (caught) {
    const e = isMwwError(caught) ? caught : asFsError(caught);
    // Under --json stdout stays one JSON document: the error object, unless the command already wrote its result.
    const writeJson = (error: Record<string, unknown>): void => {
      if (!wantsJson || out.resultWritten) return;
      io.stdout.write((out.streamedLines ? JSON.stringify({ error }) : JSON.stringify({ error }, null, 2)) + '\n');
    };
    if (e) {
      writeJson({ kind: e.kind, message: e.message, ...(e.where !== undefined ? { where: e.where } : {}), ...(e.details ?? {}) });
      out.error(e.message);
      if (io.env.MWW_DEBUG && !isMwwError(caught)) io.stderr.write(((caught as Error)?.stack ?? '') + '\n');
      return e.exitCode;
    }
    const err = caught as Error;
    const message = `internal error in mww (please report): ${err?.message ?? String(caught)}`;
    writeJson({ kind: 'internal', message });
    out.error(message);
    if (io.env.MWW_DEBUG) io.stderr.write((err?.stack ?? '') + '\n');
    return 70;
  }
}
