import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { MwwError } from '../errors.js';
import { firmwareFiles } from '../esphome/compile.js';
import { isChip } from '../micro/arena/index.js';
import { readUserFile } from '../util/fs.js';
import type { FlashRegion } from './flash.js';
import { findIdentityText, headerChipId } from './image.js';
import { APP_OFFSET } from './partitions.js';
import type { ExpectedBuild } from './verify.js';
import { sha256Hex } from '../util/hash.js';

export interface FlashTarget {
  regions: FlashRegion[];
  expected: ExpectedBuild;
  buildDir?: string;
  /** The project's YAML routes the logger to UART0 (matters for ESP32-S3, which logs on native USB by default). */
  logsOnUart0: boolean;
}

/** Parse `0x10000`, `65536`, `64k`. */
export function parseOffset(text: string): number {
  const t = text.trim().toLowerCase();
  let n: number;
  if (/^0x[0-9a-f]+$/.test(t)) n = parseInt(t.slice(2), 16);
  else if (/^\d+k$/.test(t)) n = Number(t.slice(0, -1)) * 1024;
  else if (/^\d+$/.test(t)) n = Number(t);
  else throw new MwwError('usage', `--offset ${text}: expected a number such as 0x10000`);
  // The loader protocol carries flash addresses as 32-bit words.
  if (!Number.isSafeInteger(n) || n > 0xffffffff) throw new MwwError('usage', `--offset ${text}: beyond the 32-bit flash address range`);
  return n;
}

/** ESPHome's build output for each device built in a project directory (see esphome/compile.ts). */
function findEsphomeOutput(dir: string): { factory?: string; app?: string; name: string }[] {
  const base = path.join(dir, '.esphome', 'build');
  if (!existsSync(base)) return [];
  const out: { factory?: string; app?: string; name: string }[] = [];
  for (const name of readdirSync(base).sort()) {
    const files = firmwareFiles(dir, name);
    const pick = (file: string) => files.find((f) => path.basename(f) === file);
    const factory = pick('firmware.factory.bin');
    const app = pick('firmware.bin');
    if (factory || app) out.push({ name, factory, app });
  }
  return out;
}

/** Everything BUILD_DIR says about what the board should report. */
function expectedFromBuild(dir: string, firmware: Uint8Array): { expected: ExpectedBuild; logsOnUart0: boolean } {
  const expected: ExpectedBuild = {};
  const modelsDir = path.join(dir, 'models');
  if (existsSync(modelsDir)) {
    expected.models = readdirSync(modelsDir)
      .filter((f) => f.endsWith('.tflite'))
      .sort()
      .map((f) => ({ file: path.join('models', f), sha256: sha256Hex(readFileSync(path.join(modelsDir, f))) }));
  }
  const idText = findIdentityText(firmware);
  if (idText) {
    try {
      const chip = (JSON.parse(idText) as { chip?: unknown }).chip;
      if (typeof chip === 'string' && isChip(chip)) expected.chip = chip;
    } catch {
      /* the verifier reports a bad identity from the device's log */
    }
  }
  let logsOnUart0 = false;
  for (const f of readdirSync(dir).filter((x) => /\.ya?ml$/.test(x))) {
    if (/hardware_uart:\s*["']?UART0\b/.test(readFileSync(path.join(dir, f), 'utf8'))) logsOnUart0 = true;
  }
  return { expected, logsOnUart0 };
}

/**
 * What `mww flash PORT [BUILD_DIR | FILE.bin] [--offset]` writes: from a build directory the merged factory
 * image at 0x0 (or the app at 0x10000); a single file at --offset, or where its content says it belongs.
 */
export async function resolveFlashTarget(arg: string, offsetText?: string): Promise<FlashTarget> {
  if (!existsSync(arg)) throw new MwwError('input', `${arg} not found: give the directory \`mww build\` produced or a firmware .bin file`);
  if (statSync(arg).isDirectory()) {
    if (offsetText !== undefined) throw new MwwError('usage', '--offset applies to a single .bin file, not to a build directory');
    const outputs = findEsphomeOutput(arg);
    if (outputs.length === 0) {
      throw new MwwError('input', `no ESPHome build output in ${arg}: expected .esphome/build/<name>/.pioenvs/<name>/firmware.factory.bin — run \`mww build\` first`, { details: { reason: 'no-firmware' } });
    }
    if (outputs.length > 1) throw new MwwError('input', `${arg} holds builds of several devices (${outputs.map((o) => o.name).join(', ')}): give the .bin file to flash`);
    const o = outputs[0]!;
    const file = o.factory ?? o.app!;
    const offset = o.factory ? 0 : APP_OFFSET;
    const data = await readUserFile(file, 'firmware image');
    const { expected, logsOnUart0 } = expectedFromBuild(arg, data);
    return { regions: [{ offset, data, name: path.relative(arg, file) }], expected, buildDir: arg, logsOnUart0 };
  }
  const data = await readUserFile(arg, 'firmware image');
  let offset: number;
  if (offsetText !== undefined) offset = parseOffset(offsetText);
  else if (/factory/.test(path.basename(arg)) || headerChipId(data, APP_OFFSET) !== null) offset = 0;
  else if (headerChipId(data, 0) !== null) offset = APP_OFFSET;
  else if (headerChipId(data, 0x1000) !== null) offset = 0;
  else throw new MwwError('usage', `${arg} is not an ESP image mww recognises: give --offset 0x… to write it as raw data`);
  return { regions: [{ offset, data, name: path.basename(arg) }], expected: {}, logsOnUart0: false };
}
