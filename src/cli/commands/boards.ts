import type { Command } from '../command.js';
import { noExtraPositionals } from '../args.js';
import { listBoards } from '../../esphome/boards.js';
import { ESPHOME_LINES, DEFAULT_LINE, boardLineProblem } from '../../esphome/versions.js';

const command: Command = {
  name: 'boards',
  summary: 'List the voice boards mww can generate ESPHome projects for',
  usage: 'Usage: mww boards [--json]\n\nLists the built-in boards (boards/*.yaml) with chip, microphone and the ESPHome lines each can be generated for.',
  options: {},
  async run(args, out) {
    noExtraPositionals(args, this.usage);
    const boards = listBoards();
    const lines = Object.values(ESPHOME_LINES);
    const rows = boards.map((b) => ({
      id: b.id,
      name: b.name,
      chip: b.chip,
      esphomeBoard: b.esphomeBoard,
      psram: b.psram.mode,
      microphone: b.microphone.type === 'pdm' ? 'PDM' : b.microphone.adc ? `I2S (${b.microphone.adc.platform})` : 'I2S',
      speaker: b.speaker !== undefined,
      logger: b.logger.hardwareUart ?? 'default',
      esphome: Object.fromEntries(lines.map((l) => {
        const problem = boardLineProblem(b, l);
        return [l.id, problem ? { supported: false, reason: problem } : { supported: true }];
      })),
      notes: b.notes,
      sources: b.sources,
    }));
    out.result(rows);
    if (out.json) return 0;
    const w = Math.max(...rows.map((r) => r.id.length));
    out.line(`Boards (ESPHome lines: ${lines.map((l) => l.id + (l.id === DEFAULT_LINE ? ' (default)' : '')).join(', ')}):`);
    for (const r of rows) {
      out.line(`  ${r.id.padEnd(w)}  ${r.chip.padEnd(7)}  ${r.microphone.padEnd(16)}  ${r.name}`);
      for (const [line, s] of Object.entries(r.esphome)) {
        if (!s.supported) out.line(`  ${''.padEnd(w)}  not for ESPHome ${line}: ${'reason' in s ? s.reason : ''}`);
      }
    }
    out.line('');
    out.line('Use: mww build --board <id>   (or --board path/to/your-board.yaml)');
    return 0;
  },
};

export default command;
