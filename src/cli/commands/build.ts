import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from '../command.js';
import { MwwError } from '../../errors.js';
import { noExtraPositionals, num, str } from '../args.js';
import { checkOutputDir } from '../../util/fs.js';
import { buildProject, HIL_DEFAULT_BAUD, type BuildOptions } from '../../esphome/build.js';
import { ESPHOME_INSTALL_HINT, findEsphome, firmwareFiles, runEsphomeCompile } from '../../esphome/compile.js';
import { PROJECT_FILE, projectToBuildOptions, readProject } from '../../project/project.js';

const usage = `Usage: mww build --board B [--model M.json|M.tflite|CHECKPOINT_DIR]... [options]
       mww build                      (reads ./mww.yaml, see \`mww init\`)

Generates a complete ESPHome project for the board: <name>.yaml, secrets.yaml (created once, never
overwritten), models/ (tflite + manifest with tensor_arena_size computed for the board's chip and the
ESP-NN version of the ESPHome line), components/mww/. Then runs \`esphome compile\` if ESPHome is installed.
With no --model and no mww.yaml, builds mww's UNTRAINED demo model so you can try the toolchain.

Options:
  --board B               board id (see \`mww boards\`) or path to a board .yaml
  --model M               wake word model: manifest .json, .tflite or training checkpoint dir (repeatable)
  --vad M                 VAD model (manifest .json or .tflite)
  --calibration WAV       calibration audio for a checkpoint (repeatable)
  --out DIR               output directory (default build/<name>)
  --name N                device name (default: the board's name)
  --esphome-version X     ESPHome line: 2025.11 (default) or 2024.11
  --voice-assistant       hand detections to voice_assistant (Home Assistant) instead of a log line + event
  --hil                   hardware-in-loop TEST build: micro_wake_word hears audio streamed by \`mww hil\` over
                          UART0 instead of the microphone (components/mww_hil; ESPHome 2025.2+ lines only)
  --hil-baud N            UART rate of the test build, for logs and audio frames (default ${HIL_DEFAULT_BAUD})
  --esphome PATH          esphome executable (default: \`esphome\` on PATH)
  --no-compile            only generate the project
  --project FILE          project file (default ./mww.yaml when no --board is given)
  --json                  machine-readable result`;

const command: Command = {
  name: 'build',
  summary: 'Generate (and compile) an ESPHome project for a board with your wake word model',
  usage,
  options: {
    board: { type: 'string' },
    model: { type: 'string', multiple: true },
    vad: { type: 'string' },
    calibration: { type: 'string', multiple: true },
    out: { type: 'string' },
    name: { type: 'string' },
    'esphome-version': { type: 'string' },
    'voice-assistant': { type: 'boolean' },
    hil: { type: 'boolean' },
    'hil-baud': { type: 'string' },
    esphome: { type: 'string' },
    'no-compile': { type: 'boolean' },
    project: { type: 'string' },
  },
  async run(args, out) {
    const v = args.values;
    noExtraPositionals(args, usage);
    const projectFile = str(args, 'project') ?? (v.board === undefined ? PROJECT_FILE : undefined);
    let opts: BuildOptions = { board: v.board as string, models: [] };
    if (projectFile !== undefined) {
      if (!existsSync(projectFile)) {
        if (v.project !== undefined) throw new MwwError('input', 'project file not found', { where: projectFile });
        throw new MwwError('usage', `no --board given and no ${PROJECT_FILE} here: run \`mww build --board esp32-s3\` (see \`mww boards\`) or \`mww init\`\n\n${usage}`);
      }
      opts = projectToBuildOptions(readProject(projectFile), projectFile);
    }
    // Flags (alone, or overriding the project file). Paths are resolved here, against the current directory,
    // because the project file's options resolve theirs against the project's directory.
    if (v.board) opts.board = v.board as string;
    // A bad output directory is reported now, not after the models have been converted and sized.
    if (v.out) {
      checkOutputDir(v.out as string, '--out');
      opts.out = path.resolve(v.out as string);
    } else if (opts.out !== undefined) {
      checkOutputDir(path.resolve(opts.cwd ?? '.', opts.out), `out: in ${projectFile}`);
    }
    if (v.name) opts.name = v.name as string;
    if (v['esphome-version']) opts.esphomeVersion = v['esphome-version'] as string;
    if (v['voice-assistant']) opts.voiceAssistant = true;
    const calibration = (v.calibration as string[] | undefined)?.map((c) => path.resolve(c));
    if (v.model) opts.models = (v.model as string[]).map((p) => ({ path: path.resolve(p), calibration }));
    if (v.vad) opts.vad = { path: path.resolve(v.vad as string) };

    const hilBaud = num(args, 'hil-baud', { integer: true, what: `a baud rate such as ${HIL_DEFAULT_BAUD}` });
    if (hilBaud !== undefined && !v.hil && !opts.hil) throw new MwwError('usage', `--hil-baud sets the rate of a test build: add --hil\n\n${usage}`);
    if (v.hil || hilBaud !== undefined) opts.hil = { ...opts.hil, ...(hilBaud !== undefined ? { baudRate: hilBaud } : {}) };

    const rep = await buildProject(opts, (m) => out.info(m));
    const result: Record<string, unknown> = { ...rep, compile: { ran: false } };
    out.line(`${rep.changed ? 'Wrote' : 'Up to date:'} ${rep.dir}`);
    out.line(`  config   ${path.relative(process.cwd(), rep.projectFile) || rep.projectFile}  (board ${rep.board.id}, ${rep.board.chip}, ESPHome ${rep.esphome.line})`);
    for (const m of [...rep.models, ...(rep.vad ? [rep.vad] : [])]) {
      out.line(`  model    ${m.tflite}  "${m.wakeWord}"  tensor_arena_size ${m.arena}  sha256 ${m.sha256.slice(0, 16)}…${m.untrained ? '  UNTRAINED DEMO' : ''}`);
    }
    out.line(`  secrets  secrets.yaml ${rep.secretsKept ? '(yours, kept)' : '(new: fill in your Wi-Fi)'}`);
    if (rep.hil) out.line(`  test     components/mww_hil: HIL test mode on ${rep.hil.uart} at ${rep.hil.baudRate} baud`);
    for (const n of rep.notes) out.warn(n);

    if (v['no-compile']) {
      out.result(result);
      return 0;
    }
    const esphome = findEsphome(v.esphome as string | undefined, process.env);
    if (!esphome) {
      result.compile = { ran: false, reason: 'esphome not found', hint: ESPHOME_INSTALL_HINT };
      out.line('');
      out.line(`${ESPHOME_INSTALL_HINT}.`);
      out.line(`Then compile with: esphome compile ${rep.projectFile}`);
      out.line('The project is complete; stopping here without compiling (not an error).');
      out.result(result);
      return 0;
    }
    out.info(`running ${esphome} compile ${rep.projectFile}`);
    const code = await runEsphomeCompile(esphome, rep.projectFile, (l) => out.info(`  esphome | ${l}`), process.env);
    const firmware = firmwareFiles(rep.dir, rep.name);
    result.compile = { ran: true, esphome, exitCode: code, firmware };
    if (code !== 0) {
      // The result rides in the error's details: --json output stays one document, {error: {..., build}}.
      throw new MwwError('io', `esphome compile failed (exit ${code}); its output is above. The generated project is in ${rep.dir}`, { details: { build: result } });
    }
    out.line('Firmware:');
    for (const f of firmware) out.line(`  ${f}`);
    if (firmware.length === 0) out.warn('esphome compile succeeded but no firmware*.bin was found under .esphome/build/');
    out.result(result);
    return 0;
  },
};

export default command;
