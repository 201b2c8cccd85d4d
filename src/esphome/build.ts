import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { MwwError } from '../errors.js';
import { PACKAGE_ROOT } from '../version.js';
import { pinUses, type Board } from './board-schema.js';
import { loadBoard } from './boards.js';
import { CHIPS } from './chips.js';
import { boardLineProblem, resolveLine, type EsphomeLine } from './versions.js';
import { esphomeName, friendlyName as toFriendlyName, checkSecretName } from './names.js';
import { prepareDemoModel, prepareModel, type ModelSource, type PreparedModel } from './models.js';
import { DEFAULT_SECRETS, renderDeviceYaml, renderSecretsYaml, type ProjectModel, type RenderInput, type SecretNames } from './render.js';
import { writeProjectDir } from './output-dir.js';

/** The fixed C++ sources of the external component, copied into every project (components/mww/). */
export const COMPONENT_DIR = path.join(PACKAGE_ROOT, 'firmware', 'components', 'mww');
/** The hardware-in-loop test-mode component, copied beside it in test builds (components/mww_hil/). */
export const HIL_COMPONENT_DIR = path.join(PACKAGE_ROOT, 'firmware', 'components', 'mww_hil');

/** mww_hil's `baud_rate` default and range (its __init__.py): 16 kHz s16 audio + framing needs 333,000 baud. */
export const HIL_DEFAULT_BAUD = 921600;
export const HIL_MIN_BAUD = 460800;
export const HIL_MAX_BAUD = 3000000;

/** Test mode (`mww build --hil`, `hil:` in mww.yaml): audio from the host over UART0 instead of the microphone. */
export interface HilBuildOptions {
  /** The UART's rate, shared by the logger and the HIL frames (default 921600). */
  baudRate?: number;
}

/** What a test-mode build uses: always UART0, the logger's port, at one rate for log lines and frames. */
export interface HilPlan {
  baudRate: number;
  uart: 'UART0';
  uartNum: 0;
  txPin: number;
  rxPin: number;
}

export interface BuildOptions {
  board: string;
  /** Wake-word models; empty = the built-in untrained demo model. */
  models: ModelSource[];
  vad?: ModelSource;
  out?: string;
  esphomeVersion?: string;
  /** Device name (display name; the ESPHome node name is derived from it). */
  name?: string;
  voiceAssistant?: boolean;
  secrets?: Partial<SecretNames>;
  /** Resolve relative paths against this directory (the project file's). */
  cwd?: string;
  /** Build the hardware-in-loop test firmware (components/mww_hil); absent = a normal build. */
  hil?: HilBuildOptions;
}

export interface BuildModelReport {
  id: string;
  wakeWord: string;
  sha256: string;
  arena: number;
  manifest: string;
  tflite: string;
  untrained: boolean;
}

export interface BuildReport {
  dir: string;
  projectFile: string;
  name: string;
  friendlyName: string;
  board: { id: string; chip: string; name: string };
  esphome: { line: string; version: string; espNn: string[] };
  models: BuildModelReport[];
  vad?: BuildModelReport;
  changed: boolean;
  secretsKept: boolean;
  untrained: boolean;
  notes: string[];
  /** Present for test-mode builds only. */
  hil?: HilPlan;
}

function componentFiles(dir = COMPONENT_DIR, name = 'mww'): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const f of readdirSync(dir).sort()) {
    const full = path.join(dir, f);
    if (statSync(full).isFile() && !f.startsWith('.') && !f.endsWith('.pyc')) files[`components/${name}/${f}`] = readFileSync(full);
  }
  return files;
}

/** Checks for a test-mode build: an ESPHome line the component works on, a usable rate, UART0's pins free. */
export function planHil(board: Board, line: EsphomeLine, hil: HilBuildOptions): HilPlan {
  if (!line.wakeWordsApi) {
    throw new MwwError(
      'unsupported',
      `--hil (the mww_hil test mode) cannot be built for ESPHome ${line.id}: it reads each model's output through MicroWakeWord::get_wake_words(), which exists from ESPHome 2025.2 on. Build the test firmware with --esphome-version 2025.11`,
    );
  }
  const baudRate = hil.baudRate ?? HIL_DEFAULT_BAUD;
  if (!Number.isInteger(baudRate) || baudRate < HIL_MIN_BAUD || baudRate > HIL_MAX_BAUD) {
    throw new MwwError('usage', `HIL baud rate ${baudRate}: expected an integer from ${HIL_MIN_BAUD} (real-time 16 kHz audio with framing needs 333,000) to ${HIL_MAX_BAUD} (mww_hil's limit)`);
  }
  const chip = CHIPS[board.chip];
  const { tx, rx } = chip.uart0;
  const taken = pinUses(board).find((u) => u.pin === tx || u.pin === rx);
  if (taken) {
    throw new MwwError('input', `the test mode needs UART0 (GPIO${tx} TX, GPIO${rx} RX on ${chip.label}) for the HIL link, but board '${board.id}' uses GPIO${taken.pin} for ${taken.field}`, { where: board.file });
  }
  return { baudRate, uart: 'UART0', uartNum: 0, txPin: tx, rxPin: rx };
}

function toProjectModel(m: PreparedModel): ProjectModel {
  return { id: m.id, wakeWord: m.wakeWord, sha256: m.sha256, arena: m.arena, manifestFile: `models/${m.id}.json` };
}

function report(m: PreparedModel): BuildModelReport {
  return { id: m.id, wakeWord: m.wakeWord, sha256: m.sha256, arena: m.arena, manifest: `models/${m.id}.json`, tflite: `models/${m.id}.tflite`, untrained: m.untrained };
}

/** Everything checkable before any model is loaded: board, line, names, secrets. */
export function planBuild(opts: BuildOptions): { board: Board; line: EsphomeLine; name: string; friendlyName: string; secrets: SecretNames; hil?: HilPlan } {
  const board = loadBoard(opts.board);
  const line = resolveLine(opts.esphomeVersion);
  const problem = boardLineProblem(board, line);
  if (problem) {
    throw new MwwError('unsupported', `board '${board.id}' cannot be generated for ESPHome ${line.id}: ${problem}. Use --esphome-version with another line (see \`mww boards\`)`);
  }
  const friendlyName = toFriendlyName(opts.name ?? board.name);
  // Without --name the node name is the board id (always valid), the display name the board's name.
  const name = esphomeName(opts.name ?? board.id);
  const secrets = { ...DEFAULT_SECRETS, ...(opts.secrets ?? {}) };
  for (const [k, v] of Object.entries(secrets)) checkSecretName(v, `secret name for ${k}`);
  const hil = opts.hil ? planHil(board, line, opts.hil) : undefined;
  return { board, line, name, friendlyName, secrets, hil };
}

/**
 * Generate a complete ESPHome project directory for a board: config YAML, secrets.yaml (created once),
 * models/ (tflite + manifest with the arena for the board's chip and ESPHome line), components/mww/.
 * Written atomically; a re-run with the same inputs changes nothing.
 */
export async function buildProject(opts: BuildOptions, log: (msg: string) => void = () => undefined): Promise<BuildReport> {
  const plan = planBuild(opts);
  const { board, line, name, friendlyName, secrets, hil } = plan;
  const cwd = opts.cwd ?? process.cwd();
  const resolveSrc = (s: ModelSource): ModelSource => ({ ...s, path: path.resolve(cwd, s.path), calibration: s.calibration?.map((c) => path.resolve(cwd, c)) });
  const ctx = { chip: board.chip, line, usedIds: new Set<string>(['vad']) };
  const notes: string[] = [];

  const models: PreparedModel[] = [];
  if (opts.models.length === 0) {
    log('no model given: building the built-in demo model (UNTRAINED, for trying the toolchain only)');
    models.push(await prepareDemoModel(ctx));
    notes.push('UNTRAINED demo model: the device will not detect a real wake word; pass --model with your trained model');
  } else {
    for (const src of opts.models) {
      log(`preparing model ${src.path}`);
      models.push(await prepareModel(resolveSrc(src), ctx));
    }
  }
  let vad: PreparedModel | undefined;
  if (opts.vad) {
    ctx.usedIds.delete('vad');
    vad = await prepareModel(resolveSrc({ ...opts.vad, wakeWord: opts.vad.wakeWord ?? 'vad' }), ctx);
  }
  const steps = new Set([...models, ...(vad ? [vad] : [])].map((m) => m.manifest.micro.feature_step_size));
  if (steps.size > 1) {
    throw new MwwError('input', `all models in one ESPHome config must share feature_step_size; found ${[...steps].join(' and ')} ms`);
  }

  const input: RenderInput = {
    name,
    friendlyName,
    board,
    line,
    models: models.map(toProjectModel),
    vad: vad ? toProjectModel(vad) : undefined,
    voiceAssistant: opts.voiceAssistant === true,
    secrets,
    untrained: models.some((m) => m.untrained),
    hil: hil ? { baudRate: hil.baudRate, uartNum: hil.uartNum } : undefined,
  };
  if (input.voiceAssistant && !board.speaker) notes.push(`board '${board.id}' has no speaker: voice_assistant runs without playing replies`);
  if (hil) {
    notes.push(
      `TEST-MODE build (mww_hil): micro_wake_word listens to audio streamed over UART0 (GPIO${hil.txPin} TX, GPIO${hil.rxPin} RX), not the microphone; ` +
        `logs share that UART at ${hil.baudRate} baud. After flashing run: mww hil PORT --baud ${hil.baudRate} --model <manifest> <wav|dir>`,
    );
    if (board.logger.hardwareUart !== undefined && board.logger.hardwareUart !== 'UART0') {
      notes.push(`board '${board.id}' normally logs over ${board.logger.hardwareUart}; in test mode everything is on UART0, so connect a USB-UART adapter to GPIO${hil.txPin}/GPIO${hil.rxPin} if the board has no UART0 bridge`);
    }
  }

  const projectFile = `${name}.yaml`;
  const files: Record<string, string | Uint8Array> = {
    [projectFile]: renderDeviceYaml(input),
    // Random secrets are generated only when secrets.yaml does not exist yet (createOnly below).
    'secrets.yaml': renderSecretsYaml(input, { apiKey: randomBytes(32).toString('base64'), otaPassword: randomBytes(16).toString('hex') }),
    ...componentFiles(),
    ...(hil ? componentFiles(HIL_COMPONENT_DIR, 'mww_hil') : {}),
  };
  for (const m of vad ? [...models, vad] : models) {
    files[`models/${m.id}.tflite`] = m.tflite;
    files[`models/${m.id}.json`] = m.manifestJson;
  }
  const dir = path.resolve(cwd, opts.out ?? path.join('build', name));
  const res = await writeProjectDir(dir, { files, createOnly: ['secrets.yaml'], managed: [projectFile, 'models', 'components/mww', 'components/mww_hil'] });
  if (res.kept.includes('secrets.yaml')) {
    const existing = readFileSync(path.join(dir, 'secrets.yaml'), 'utf8');
    const missing = Object.values(secrets).filter((k) => !new RegExp(`^${k}\\s*:`, 'm').test(existing));
    if (missing.length) notes.push(`your existing secrets.yaml (kept as is) lacks: ${missing.join(', ')}`);
  }
  return {
    dir,
    projectFile: path.join(dir, projectFile),
    name,
    friendlyName,
    board: { id: board.id, chip: board.chip, name: board.name },
    esphome: { line: line.id, version: line.version, espNn: line.espNn },
    models: models.map(report),
    vad: vad ? report(vad) : undefined,
    changed: res.changed,
    secretsKept: res.kept.includes('secrets.yaml'),
    untrained: input.untrained,
    notes,
    ...(hil ? { hil } : {}),
  };
}
