import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { MwwError } from '../errors.js';
import type { BuildOptions } from '../esphome/build.js';
import type { ModelSource } from '../esphome/models.js';
import { DEFAULT_LINE } from '../esphome/versions.js';
import { isBoardPath } from '../esphome/boards.js';
import { DEFAULT_SECRETS, type SecretNames } from '../esphome/render.js';

/**
 * `mww.yaml`, the project file `mww init` writes and `mww build` reads: the same choices as the build flags,
 * kept in a file so a rebuild is just `mww build`. Paths inside are relative to the file.
 */
export const PROJECT_FILE = 'mww.yaml';

export interface ProjectWakeWord {
  /** Manifest (.json), model (.tflite) or training checkpoint directory. */
  model: string;
  wakeWord?: string;
  probabilityCutoff?: number;
  slidingWindowSize?: number;
  calibration?: string[];
}

export interface Project {
  version: 1;
  name: string;
  board: string;
  esphomeVersion: string;
  wakeWords: ProjectWakeWord[];
  vad?: string;
  voiceAssistant: boolean;
  out?: string;
  secrets: SecretNames;
  /**
   * Hardware-in-loop test build (`hil: true`, or `hil: { baud: 460800 }` for another UART rate): the firmware
   * takes its audio from `mww hil` over UART0 instead of the microphone (firmware/components/mww_hil).
   */
  hil?: { baud?: number };
}

type Obj = Record<string, unknown>;

function fail(file: string, field: string, msg: string): never {
  throw new MwwError('input', msg, { where: `${file}: ${field}` });
}

function str(o: Obj, key: string, file: string, field = key, optional = false): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (optional) return undefined;
    fail(file, field, 'is required');
  }
  if (typeof v !== 'string' || v.trim() === '') fail(file, field, `expected a non-empty string, found ${JSON.stringify(v)}`);
  return v;
}

const KNOWN = new Set(['version', 'name', 'board', 'esphomeVersion', 'wakeWords', 'vad', 'voiceAssistant', 'out', 'secrets', 'hil']);

/** `hil: true | false | { baud: N }`. */
function parseHil(v: unknown, file: string): Project['hil'] {
  if (v === undefined || v === null || v === false) return undefined;
  if (v === true) return {};
  if (typeof v !== 'object' || Array.isArray(v)) fail(file, 'hil', `expected true, false or a mapping like { baud: 921600 }, found ${JSON.stringify(v)}`);
  const o = v as Obj;
  for (const k of Object.keys(o)) if (k !== 'baud') fail(file, `hil.${k}`, 'unknown setting (known: baud)');
  if (o.baud !== undefined && (typeof o.baud !== 'number' || !Number.isInteger(o.baud) || o.baud <= 0)) fail(file, 'hil.baud', `expected a baud rate such as 921600, found ${JSON.stringify(o.baud)}`);
  return o.baud === undefined ? {} : { baud: o.baud as number };
}

/** Validate parsed mww.yaml content. */
export function parseProject(raw: unknown, file: string): Project {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(file, '(top level)', 'expected a mapping of project settings');
  const o = raw as Obj;
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) fail(file, k, `unknown setting (known: ${[...KNOWN].join(', ')})`);
  if (o.version !== 1) fail(file, 'version', `expected 1, found ${JSON.stringify(o.version)}`);
  const wwRaw = o.wakeWords ?? [];
  if (!Array.isArray(wwRaw)) fail(file, 'wakeWords', 'expected a list');
  const wakeWords = wwRaw.map((w, i): ProjectWakeWord => {
    const f = `wakeWords[${i}]`;
    if (typeof w === 'string') return { model: w };
    if (w === null || typeof w !== 'object') fail(file, f, 'expected a model path or a mapping with model:');
    const wo = w as Obj;
    const num = (k: string, check: (n: number) => boolean, what: string): number | undefined => {
      const v = wo[k];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'number' || !check(v)) fail(file, `${f}.${k}`, `expected ${what}, found ${JSON.stringify(v)}`);
      return v;
    };
    const cal = wo.calibration;
    if (cal !== undefined && (!Array.isArray(cal) || cal.some((c) => typeof c !== 'string'))) fail(file, `${f}.calibration`, 'expected a list of WAV paths');
    return {
      model: str(wo, 'model', file, `${f}.model`)!,
      wakeWord: str(wo, 'wakeWord', file, `${f}.wakeWord`, true),
      probabilityCutoff: num('probabilityCutoff', (n) => n > 0 && n < 1, 'a number between 0 and 1'),
      slidingWindowSize: num('slidingWindowSize', (n) => Number.isInteger(n) && n > 0, 'a positive integer'),
      calibration: cal as string[] | undefined,
    };
  });
  const sec = (o.secrets ?? {}) as Obj;
  if (typeof sec !== 'object' || Array.isArray(sec)) fail(file, 'secrets', 'expected a mapping of secret names');
  if (o.voiceAssistant !== undefined && typeof o.voiceAssistant !== 'boolean') fail(file, 'voiceAssistant', 'expected true or false');
  const hil = parseHil(o.hil, file);
  return {
    version: 1,
    name: str(o, 'name', file)!,
    board: str(o, 'board', file)!,
    esphomeVersion: str(o, 'esphomeVersion', file, 'esphomeVersion', true) ?? DEFAULT_LINE,
    wakeWords,
    vad: str(o, 'vad', file, 'vad', true),
    voiceAssistant: o.voiceAssistant === true,
    out: str(o, 'out', file, 'out', true),
    secrets: {
      wifiSsid: str(sec, 'wifiSsid', file, 'secrets.wifiSsid', true) ?? DEFAULT_SECRETS.wifiSsid,
      wifiPassword: str(sec, 'wifiPassword', file, 'secrets.wifiPassword', true) ?? DEFAULT_SECRETS.wifiPassword,
      apiKey: str(sec, 'apiKey', file, 'secrets.apiKey', true) ?? DEFAULT_SECRETS.apiKey,
      otaPassword: str(sec, 'otaPassword', file, 'secrets.otaPassword', true) ?? DEFAULT_SECRETS.otaPassword,
    },
    ...(hil ? { hil } : {}),
  };
}

export function readProject(file: string): Project {
  if (!existsSync(file)) throw new MwwError('input', 'project file not found (create one with `mww init`)', { where: file });
  if (statSync(file).isDirectory()) throw new MwwError('input', 'expected a project file (mww.yaml), found a directory', { where: file });
  const bytes = readFileSync(file);
  // A binary file (a model, a WAV) given by mistake: say so instead of echoing its bytes in a YAML error.
  if (bytes.subarray(0, 8192).includes(0)) throw new MwwError('input', 'not a project file: it holds binary data; expected YAML as written by `mww init`', { where: file });
  let raw: unknown;
  try {
    raw = parseYaml(bytes.toString('utf8'));
  } catch (e) {
    const first = (e as Error).message.split('\n')[0]!.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?');
    throw new MwwError('input', `not valid YAML: ${first.length > 160 ? first.slice(0, 160) + '…' : first}`, { where: file });
  }
  return parseProject(raw, file);
}

/** mww.yaml text, with comments saying what each setting does. */
export function renderProject(p: Project): string {
  const body = stringifyYaml(
    {
      version: 1,
      name: p.name,
      board: p.board,
      esphomeVersion: p.esphomeVersion,
      wakeWords: p.wakeWords,
      ...(p.vad ? { vad: p.vad } : {}),
      voiceAssistant: p.voiceAssistant,
      ...(p.out ? { out: p.out } : {}),
      secrets: p.secrets,
      ...(p.hil ? { hil: p.hil.baud === undefined ? true : { baud: p.hil.baud } } : {}),
    },
    { lineWidth: 0 },
  );
  return [
    '# mww project: `mww build` reads this file. Paths are relative to it.',
    '# wakeWords: manifest (.json), model (.tflite) or training checkpoint directory (needs calibration: [wav, ...]).',
    '#   An empty list builds the built-in UNTRAINED demo model. `mww boards` lists boards.',
    body,
  ].join('\n');
}

/** Build options from a project file (paths resolved against its directory). */
export function projectToBuildOptions(p: Project, file: string): BuildOptions {
  const dir = path.dirname(path.resolve(file));
  const models: ModelSource[] = p.wakeWords.map((w) => ({
    path: w.model,
    wakeWord: w.wakeWord,
    probabilityCutoff: w.probabilityCutoff,
    slidingWindowSize: w.slidingWindowSize,
    calibration: w.calibration,
  }));
  return {
    board: isBoardPath(p.board) ? path.resolve(dir, p.board) : p.board,
    models,
    vad: p.vad ? { path: p.vad } : undefined,
    out: p.out,
    esphomeVersion: p.esphomeVersion,
    name: p.name,
    voiceAssistant: p.voiceAssistant,
    secrets: p.secrets,
    cwd: dir,
    ...(p.hil ? { hil: { baudRate: p.hil.baud } } : {}),
  };
}
