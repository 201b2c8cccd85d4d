import type { Command } from '../command.js';
import type { ColorName } from '../output.js';
import { MwwError } from '../../errors.js';
import { realClock } from '../../serial/clock.js';
import { monitorPort } from '../../serial/monitor.js';
import { openPort } from '../../serial/transport/open.js';

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
    const baud = args.values.baud === undefined ? 115200 : Number(args.values.baud);
    if (!Number.isInteger(baud) || baud < 300 || baud > 5_000_000) throw new MwwError('usage', `--baud ${String(args.values.baud)}: expected a baud rate such as 115200`);
    const ctrl = new AbortController();
    const onSigint = () => ctrl.abort();
    process.once('SIGINT', onSigint);
    let timer: NodeJS.Timeout | undefined;
    if (args.values.timeout !== undefined) {
      const s = Number(args.values.timeout);
      if (!(s > 0)) throw new MwwError('usage', `--timeout ${String(args.values.timeout)}: expected seconds > 0`);
      timer = setTimeout(() => ctrl.abort(), s * 1000);
    }
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
