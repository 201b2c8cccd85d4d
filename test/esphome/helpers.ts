import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, type Tags } from 'yaml';
import { REPO_ROOT } from '../helpers/shared.js';
import { HIL_COMPONENT_DIR } from '../../src/esphome/build.js';
import { BOARDS_DIR } from '../../src/esphome/boards.js';
import { parseBoard } from '../../src/esphome/board-schema.js';
import { cppStringLiteral } from '../../src/esphome/names.js';

/** ESPHome's YAML tags, so generated configs parse with the `yaml` package as ESPHome would read them. */
export const ESPHOME_TAGS: Tags = [
  { tag: '!secret', resolve: (s: string) => ({ secret: s }) },
  { tag: '!lambda', resolve: (s: string) => ({ lambda: s }) },
  { tag: '!include', resolve: (s: string) => ({ include: s }) },
];

export function parseEsphomeYaml(text: string): Record<string, any> {
  return parse(text, { customTags: ESPHOME_TAGS, uniqueKeys: true, strict: true }) as Record<string, any>;
}

/** Fakes of the ESPHome C++ API that mww's components use (shared by the esphome and hil tests). */
export const FAKES = path.join(REPO_ROOT, 'test', 'fakes');

/** g++ -fsyntax-only; throws with the compiler output on failure. */
export function gxxSyntax(files: string[], includes: string[]): void {
  execFileSync('g++', ['-std=gnu++17', '-fsyntax-only', '-Wall', '-Wextra', '-Werror', ...includes.flatMap((i) => ['-I', i]), ...files], { stdio: 'pipe' });
}

type Cfg = Record<string, any>;

/**
 * The main.cpp ESPHome's codegen writes for a generated config, reduced to the calls the mww component's to_code()
 * makes (firmware/components/mww/__init__.py), with values from the YAML; `extra` adds another component's part.
 */
export function fakeMain(cfg: Cfg, extra: { includes?: string[]; globals?: string[]; setup?: string[] } = {}): string {
  const engine = cfg.micro_wake_word.id as string;
  const identity = cfg.mww.identity as string;
  const ids = (JSON.parse(identity).models as { id: string }[]).map((m) => m.id);
  return [
    '#include "esphome/components/micro_wake_word/micro_wake_word.h"',
    '#include "mww/mww.h"',
    ...(extra.includes ?? []),
    'namespace esphome { namespace setup_priority { const float LATE = -100.0f; const float AFTER_CONNECTION = 100.0f; } }',
    `esphome::micro_wake_word::MicroWakeWord *${engine};`,
    'esphome::mww::MwwComponent *mww_mwwcomponent_id;',
    ...(extra.globals ?? []),
    'void setup() {',
    `  ${engine} = new esphome::micro_wake_word::MicroWakeWord();`,
    '  mww_mwwcomponent_id = new esphome::mww::MwwComponent();',
    `  mww_mwwcomponent_id->set_micro_wake_word(${cfg.mww.micro_wake_word_id});`,
    `  mww_mwwcomponent_id->set_identity(${cppStringLiteral('mww-identity ' + identity)});`,
    '  mww_mwwcomponent_id->set_settle_ms(3000);',
    ...ids.map((id) => `  mww_mwwcomponent_id->add_model_id(${cppStringLiteral(id)});`),
    ...(extra.setup ?? []),
    '}',
  ].join('\n');
}

/** g++ -fsyntax-only over `main` and the named components' sources as copied into the project `dir`. */
export function compileProject(dir: string, main: string, components: string[]): void {
  const mainFile = path.join(dir, '.fake-main.cpp');
  writeFileSync(mainFile, main);
  try {
    gxxSyntax([mainFile, ...components.map((c) => path.join(dir, 'components', c, `${c}.cpp`))], [FAKES, path.join(dir, 'components')]);
  } finally {
    rmSync(mainFile);
  }
}

/** Compile and run a small C++ program; returns its stdout. */
export function gxxRun(source: string): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mww-gxx-'));
  const src = path.join(dir, 'main.cpp');
  writeFileSync(src, source);
  const exe = path.join(dir, 'a.out');
  execFileSync('g++', ['-std=gnu++17', '-Wall', '-Werror', '-o', exe, src], { stdio: 'pipe' });
  return execFileSync(exe);
}

/**
 * mww_hil's configuration keys and integer ranges, read from the component's own schema
 * (firmware/components/mww_hil/__init__.py: `CONF_X = "x"` names, `cv.Optional(CONF_X, default=d): cv.int_range(min, max)`),
 * so a key the template emits and the component does not accept fails here.
 */
export function mwwHilSchema(): { keys: string[]; ranges: Record<string, { min: number; max: number }> } {
  const py = readFileSync(path.join(HIL_COMPONENT_DIR, '__init__.py'), 'utf8');
  // CONF_ID / CONF_BAUD_RATE come from esphome.const.
  const names: Record<string, string> = { CONF_ID: 'id', CONF_BAUD_RATE: 'baud_rate' };
  for (const m of py.matchAll(/^(CONF_\w+)\s*=\s*"([a-z_]+)"/gm)) names[m[1]!] = m[2]!;
  const keys = ['id'];
  const ranges: Record<string, { min: number; max: number }> = {};
  for (const m of py.matchAll(/cv\.(?:Optional|Required|GenerateID)\((CONF_\w+)(?:, default=\d+)?\)(?::\s*cv\.int_range\(min=(\d+), max=(\d+)\))?/g)) {
    const key = names[m[1]!];
    if (!key) throw new Error(`${m[1]} is not defined in mww_hil/__init__.py`);
    keys.push(key);
    if (m[2] !== undefined) ranges[key] = { min: Number(m[2]), max: Number(m[3]) };
  }
  return { keys, ranges };
}

/**
 * The message parseBoard gives for the generic ESP32-S3 board file after `edit`; fails the test if the edited
 * board is accepted.
 */
export function boardError(edit: (b: Record<string, any>) => void): string {
  const b = parse(readFileSync(path.join(BOARDS_DIR, 'esp32-s3.yaml'), 'utf8')) as Record<string, any>;
  edit(b);
  try {
    parseBoard(b, 'my-board.yaml');
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the board to be rejected');
}
