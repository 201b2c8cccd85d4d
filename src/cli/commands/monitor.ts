import type { Command } from '../command.js';
import type { ColorName } from '../output.js';
import { MwwError } from '../../errors.js';
import { realClock } from '../../serial/clock.js';
import { monitorPort } from '../../serial/monitor.js';
import { openPort } from '../../serial/transport/open.js';
import { num } from '../args.js';

const LEVEL_COLOR: Record<string, ColorName> = { E: 'red', W: 'yellow', I: 'green', C: 'magenta', D: 'cyan', V: 'gray', VV: 'gray' };

function stamp(d: Date): string {
  return d.toISOString().slice(11, 23);
}

const command: Command = {
  name: 'monitor',
  summary: 'Show a device\'s serial log live (level colours, --json lines, reconnects after resets)',
  usage: [
    'Usage: mww monitor PORT [--baud N] [--timeout SECONDS] [--json]',
    '',
    'Prints every log line with a timestamp, coloured by ESPHome log level. When the port goes away (board reset',
    'on native USB, cable pulled) it waits for it to come back. Stop with Ctrl-C.',
    '',
    '  --baud N          line speed (default 115200, ESPHome\'s logger default)',
    '  --timeout S       stop after S seconds',
    '  --json            one JSON object per line: {"time","level","tag","message"} or {"time","event","message"}',
  ].join('\n'),
  options: { baud: { type: 'string' }, timeout: { type: 'string' } },
  async run(args, out) {
    const port = args.positionals[0];
    if (!port || args.positionals.length > 1) throw new MwwError('usage', `expected exactly one PORT\n\n${this.usage}`);
    const baud = num(args, 'baud', { integer: true, min: 300, max: 5_000_000, what: 'a baud rate such as 115200' }) ?? 115200;
    // Check every flag before taking over Ctrl-C, so a usage error leaves no listener behind.
    const timeoutS = num(args, 'timeout', { min: 0, exclusiveMin: true, what: 'a number of seconds' });
    const ctrl = new AbortController();
    const onSigint = () => ctrl.abort();
    process.once('SIGINT', onSigint);
    const timer: NodeJS.Timeout | undefined = timeoutS === undefined ? undefined : setTimeout(() => ctrl.abort(), timeoutS * 1000);
    try {
      await monitorPort({
        path: port,
        open: (p) => openPort(p, { baudRate: baud }),
        clock: realClock,
        signal: ctrl.signal,
        onLine: (line, at) => {
          if (out.json) out.jsonLine({ time: at.toISOString(), level: line.level ?? null, tag: line.tag ?? null, message: line.message });
          else out.raw(`${out.paint('gray', stamp(at))} ${line.level ? out.paint(LEVEL_COLOR[line.level] ?? 'gray', line.text) : line.text}\n`);
        },
        onEvent: (e, at) => {
          if (out.json) out.jsonLine({ time: at.toISOString(), event: e.kind, message: e.message });
          else out.info(`${stamp(at)} -- ${e.message}`);
        },
      });
    } finally {
      process.off('SIGINT', onSigint);
      if (timer) clearTimeout(timer);
    }
    return 0;
  },
};

export default command;
