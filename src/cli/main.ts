import { parseArgs } from 'node:util';
import { MwwError, isMwwError } from '../errors.js';
import { Output, type TextSink } from './output.js';
import { COMMANDS } from './registry.js';
import { MWW_VERSION } from '../version.js';

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

/**
 * Run one mww command line and return its exit code. Used by bin/mww.js and, in-process, by the tests.
 * User mistakes come back as MwwError and are printed as one specific message, never a stack trace.
 */
export async function main(argv: string[], io: MainIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const wantsJson = argv.includes('--json');
  const out = new Output({ stdout: io.stdout, stderr: io.stderr, env: io.env, json: wantsJson });
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const summaries: [string, string][] = [];
      for (const [n, load] of Object.entries(COMMANDS)) summaries.push([n, (await load()).default.summary]);
      io.stdout.write(topUsage(summaries) + '\n');
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-V') {
      io.stdout.write(MWW_VERSION + '\n');
      return 0;
    }
    const load = COMMANDS[name];
    if (!load) {
      throw new MwwError('usage', `unknown command '${name}'. Commands: ${Object.keys(COMMANDS).join(', ')}`);
    }
    const command = (await load()).default;
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new MwwError('usage', `${(e as Error).message}\n\n${command.usage}`);
    }
    if (parsed.values.help) {
      io.stdout.write(command.usage + '\n');
      return 0;
    }
    return await command.run({ values: parsed.values as Record<string, string | boolean | string[] | boolean[] | undefined>, positionals: parsed.positionals }, out);
  } catch (e) {
    if (isMwwError(e)) {
      if (wantsJson) io.stdout.write(JSON.stringify({ error: { kind: e.kind, message: e.message, ...(e.details ?? {}) } }, null, 2) + '\n');
      out.error(e.message);
      return e.exitCode;
    }
    const err = e as Error;
    out.error(`internal error in mww (please report): ${err?.message ?? String(e)}`);
    if (io.env.MWW_DEBUG) io.stderr.write((err?.stack ?? '') + '\n');
    return 70;
  }
}
