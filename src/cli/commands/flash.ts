import type { Command } from '../command.js';
import { MwwError } from '../../errors.js';
import { realClock } from '../../serial/clock.js';
import { flashRegions, type FlashResult } from '../../serial/flash.js';
import { resolveFlashTarget } from '../../serial/target.js';
import { listPorts } from '../../serial/transport/list.js';
import { openPort } from '../../serial/transport/open.js';
import { isUsbSerialJtag, type SerialTransport } from '../../serial/transport/types.js';
import { BootLogReader, type BootReport } from '../../serial/verify.js';
import { isChip } from '../../micro/arena/index.js';
import { num, oneOf, str } from '../args.js';

const hex = (n: number) => `0x${n.toString(16)}`;

const command: Command = {
  name: 'flash',
  summary: 'Flash an ESPHome build to an ESP32/ESP32-S3 over serial and verify from the boot log that the model loaded',
  usage: [
    'Usage: mww flash PORT [BUILD_DIR | FILE.bin [--offset 0x…]] [options]',
    '       mww flash --list',
    '',
    'BUILD_DIR is the directory `mww build` produced (default: .): its ESPHome output',
    '.esphome/build/<name>/.pioenvs/<name>/firmware.factory.bin is written at 0x0 (or firmware.bin at 0x10000).',
    'Every region is MD5-verified; then the board is reset and its boot log must show the mww identity (model',
    'hashes matching BUILD_DIR/models) and micro_wake_word\'s load result.',
    '',
    '  --offset 0x…           where to write FILE.bin (default: from its content)',
    '  --chip esp32|esp32s3   refuse to flash any other chip',
    '  --baud N               transfer speed after connecting at 115200 (default 460800)',
    '  --before default|no-reset   reset into the loader with DTR/RTS (default), or not (board already in it)',
    '  --no-verify            skip reading the boot log',
    '  --timeout S            seconds to wait for the boot log verdict (default 20)',
    '  --list                 list serial ports with their USB ids',
    '  --json                 machine-readable result',
  ].join('\n'),
  options: {
    offset: { type: 'string' },
    chip: { type: 'string' },
    baud: { type: 'string' },
    before: { type: 'string' },
    'no-verify': { type: 'boolean' },
    timeout: { type: 'string' },
    list: { type: 'boolean' },
  },
  async run(args, out) {
    if (args.values.list) {
      const ports = await listPorts();
      if (out.json) out.result({ ports });
      else if (ports.length === 0) out.line('no serial ports found');
      else for (const p of ports) out.line(`${p.path}${p.vendorId ? `  ${p.vendorId}:${p.productId}` : ''}${p.manufacturer ? `  ${p.manufacturer}` : ''}${isUsbSerialJtag(p) ? '  (USB-Serial-JTAG)' : ''}`);
      return 0;
    }
    const [port, what = '.', ...extra] = args.positionals;
    if (!port || extra.length) throw new MwwError('usage', `expected PORT and at most one BUILD_DIR or FILE.bin\n\n${this.usage}`);
    const chip = str(args, 'chip');
    if (chip !== undefined && !isChip(chip)) throw new MwwError('usage', `--chip ${chip}: mww flashes esp32 and esp32s3`);
    const before = oneOf(args, 'before', ['default', 'no-reset'] as const, 'default');
    const baud = num(args, 'baud', { integer: true, min: 9600, max: 2_000_000, what: 'a baud rate such as 115200 or 921600' }) ?? 460800;
    const timeoutS = num(args, 'timeout', { min: 0, exclusiveMin: true, what: 'a number of seconds' }) ?? 20;
    const verify = args.values['no-verify'] !== true;

    const target = await resolveFlashTarget(what, str(args, 'offset'));
    const transport: SerialTransport = await openPort(port, { baudRate: 115200 });
    let result: FlashResult;
    let reader: BootLogReader | null = null;
    const total = target.regions.reduce((n, r) => n + r.data.length, 0);
    const bar = out.progress('writing', total);
    try {
      result = await flashRegions(transport, target.regions, {
        clock: realClock,
        chip,
        baud,
        before,
        warn: (m) => out.warn(m),
        info: (m) => out.info(m),
        onProgress: (done) => bar.update(done),
        onRestart: () => {
          if (verify) reader = new BootLogReader(transport, { clock: realClock, expected: target.expected, timeoutMs: timeoutS * 1000 });
        },
      });
      bar.done();
      for (const r of result.regions) out.line(`wrote ${r.name}: ${r.size} bytes at ${hex(r.offset)} (${r.compressedSize} compressed), MD5 ${r.md5} verified`);
      let report: BootReport | null = null;
      if (verify && reader) {
        const logsElsewhere = result.chip === 'esp32s3' && !isUsbSerialJtag(transport.info) && !target.logsOnUart0;
        if (logsElsewhere) {
          out.warn(`ESPHome on an ESP32-S3 logs on the chip's native USB (USB-Serial-JTAG) unless \`logger: hardware_uart: UART0\` is set, and ${port} is a UART bridge${transport.info.vendorId ? ` (${transport.info.vendorId}:${transport.info.productId})` : ''}: the boot log may not appear here — connect the board's USB port for verification`);
        }
        report = await (reader as BootLogReader).result();
        if (!report.ok) {
          const hint = logsElsewhere && !report.esphomeVersion && !report.bootError ? ' (the app log is probably on the native USB port, see the warning above)' : '';
          throw new MwwError('verify', `flashed and MD5-verified, but the device check failed: ${report.problems.join('; ')}${hint}`, {
            details: { flash: result, verify: report },
          });
        }
        out.line(`device verified: ESPHome ${report.esphomeVersion}, mww ${report.identity?.mww ?? '?'}, ${report.models.map((m) => `${m.id} loaded`).join(', ') || 'no models'}`);
      } else if (!verify) out.line('boot log verification skipped (--no-verify)');
      out.result({ port, ...result, verify: report });
      return 0;
    } finally {
      await transport.close().catch(() => {});
    }
  },
};

export default command;
