import { existsSync } from 'node:fs';
import type { Command } from '../command.js';
import { noExtraPositionals } from '../args.js';
import { MwwError } from '../../errors.js';
import { checkOutputPath, writeFileAtomic } from '../../util/fs.js';
import { planBuild } from '../../esphome/build.js';
import { DEFAULT_LINE } from '../../esphome/versions.js';
import { DEFAULT_SECRETS } from '../../esphome/render.js';
import { PROJECT_FILE, renderProject, type Project } from '../../project/project.js';

const usage = `Usage: mww init [--board B] [--name N] [--model M]... [--vad M] [--esphome-version X] [--voice-assistant] [--hil] [--force]

Writes ${PROJECT_FILE} in the current directory: device name, board, wake word model sources and options.
\`mww build\` then reads it. Without --model the project builds the UNTRAINED demo model.
--hil makes it a hardware-in-loop test project (hil: true, see \`mww build --help\`).

Options:
  --board B               board id (see \`mww boards\`) or path to a board .yaml (default esp32-s3)
  --name N                device name (default "mww voice")
  --model M               wake word model: manifest .json, .tflite or checkpoint dir (repeatable)
  --vad M                 VAD model (manifest .json or .tflite)
  --esphome-version X     ESPHome line (default ${DEFAULT_LINE})
  --voice-assistant       hand detections to Home Assistant's voice_assistant
  --hil                   hardware-in-loop test project
  --out DIR               where \`mww build\` writes the ESPHome project (default build/<name>)
  --file PATH             project file to write (default ${PROJECT_FILE})
  --force                 replace an existing project file
  --json                  machine-readable result`;

const command: Command = {
  name: 'init',
  summary: `Create ${PROJECT_FILE}, the project file \`mww build\` reads`,
  usage,
  options: {
    board: { type: 'string' },
    name: { type: 'string' },
    model: { type: 'string', multiple: true },
    vad: { type: 'string' },
    'esphome-version': { type: 'string' },
    'voice-assistant': { type: 'boolean' },
    hil: { type: 'boolean' },
    out: { type: 'string' },
    force: { type: 'boolean' },
    file: { type: 'string' },
  },
  async run(args, out) {
    const v = args.values;
    noExtraPositionals(args, usage);
    const file = (v.file as string | undefined) ?? PROJECT_FILE;
    checkOutputPath(file, '--file');
    if (existsSync(file) && !v.force) throw new MwwError('input', `${file} already exists; pass --force to replace it`);
    // A typo in a model path is reported now, not at build time.
    for (const [flag, m] of [...((v.model as string[] | undefined) ?? []).map((m) => ['--model', m] as const), ...(v.vad ? [['--vad', v.vad as string] as const] : [])]) {
      if (!existsSync(m)) throw new MwwError('input', `${flag}: model not found (give a manifest .json, a .tflite or a training checkpoint directory)`, { where: m });
    }
    const project: Project = {
      version: 1,
      name: (v.name as string | undefined) ?? 'mww voice',
      board: (v.board as string | undefined) ?? 'esp32-s3',
      esphomeVersion: (v['esphome-version'] as string | undefined) ?? DEFAULT_LINE,
      wakeWords: ((v.model as string[] | undefined) ?? []).map((m) => ({ model: m })),
      vad: v.vad as string | undefined,
      voiceAssistant: v['voice-assistant'] === true,
      out: v.out as string | undefined,
      secrets: { ...DEFAULT_SECRETS },
      ...(v.hil ? { hil: {} } : {}),
    };
    // Fail now, not at build time, on an unknown board, an unsupported line or an unusable name.
    const plan = planBuild({ board: project.board, models: [], name: project.name, esphomeVersion: project.esphomeVersion, hil: project.hil ? {} : undefined });
    await writeFileAtomic(file, renderProject(project));
    out.result({ file, project, esphomeName: plan.name });
    out.line(`Wrote ${file} (device '${plan.name}', board ${plan.board.id}, ESPHome ${plan.line.id}). Next: mww build`);
    if (project.wakeWords.length === 0) out.warn('no --model given: `mww build` will use the UNTRAINED demo model until you add wakeWords');
    return 0;
  },
};

export default command;
