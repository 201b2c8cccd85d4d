import { afterAll, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { runCli } from '../helpers/cli.js';
import { buildProject, COMPONENT_DIR, HIL_COMPONENT_DIR, HIL_DEFAULT_BAUD, HIL_MAX_BAUD, HIL_MIN_BAUD } from '../../src/esphome/build.js';
import { listBoards } from '../../src/esphome/boards.js';
import { CHIPS } from '../../src/esphome/chips.js';
import { ESPHOME_LINES, boardLineProblem } from '../../src/esphome/versions.js';
import { parseProject } from '../../src/project/project.js';
import { compileProject, fakeMain, mwwHilSchema, parseEsphomeYaml } from './helpers.js';

/**
 * `mww build --hil` / `hil:` in mww.yaml: the generated project carries the mww_hil test-mode component and the
 * YAML its README asks for (firmware/components/mww_hil/README.md "Enabling test mode").
 */
const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'mww-hil-build-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));
let n = 0;
const tmp = (): string => path.join(tmpRoot, `p${n++}`);
const OKAY_NABU = (): string => sharedPath('models', 'okay_nabu.json');

type Cfg = Record<string, any>;

/** `id(x).f(...)` in an ESPHome lambda is `x->f(...)` in the generated C++ (esphome/cpp_generator.py process_lambda). */
const lambdaToCpp = (body: string): string => body.replace(/\bid\(\s*([A-Za-z_]\w*)\s*\)\./g, '$1->');

/** main.cpp with mww_hil's to_code() calls (mww_hil/__init__.py) and the on_wake_word_detected lambda added. */
function hilMain(cfg: Cfg): string {
  const hil = cfg.mww_hil;
  const lambdas = (cfg.micro_wake_word.on_wake_word_detected as Cfg[]).filter((a) => 'lambda' in a).map((a) => lambdaToCpp(a.lambda as string));
  return fakeMain(cfg, {
    includes: ['#include "mww_hil/mww_hil.h"', '#include <string>'],
    globals: [`esphome::mww_hil::HilMicrophone *${hil.id};`],
    setup: [
      `  ${hil.id} = new esphome::mww_hil::HilMicrophone();`,
      `  ${hil.id}->set_micro_wake_word(${hil.micro_wake_word_id});`,
      `  ${hil.id}->set_uart_num(${hil.uart_num ?? 0});`,
      `  ${hil.id}->set_baud_rate(${hil.baud_rate ?? 921600});`,
      `  ${hil.id}->set_queue_frames(${hil.queue_frames ?? 32});`,
      // on_wake_word_detected: Automation<std::string> with LambdaAction [=](std::string wake_word) -> void { ... }.
      ...lambdas.map((body, i) => `  auto on_wake_word_detected_${i} = [=](std::string wake_word) -> void { ${body} };\n  on_wake_word_detected_${i}(std::string("Okay Nabu"));`),
    ],
  });
}

/** g++ -fsyntax-only over the generated main and both components' sources, as copied into the project. */
const compileBothComponents = (dir: string, cfg: Cfg): void => compileProject(dir, hilMain(cfg), ['mww', 'mww_hil']);

function expectTestModeConfig(cfg: Cfg, baud: number): void {
  // README "Enabling test mode": external component list, logger on the hardware UART at the link's rate.
  expect(cfg.external_components[0]).toEqual({ source: { type: 'local', path: 'components' }, components: ['mww', 'mww_hil'] });
  expect(cfg.logger).toEqual({ baud_rate: baud, hardware_uart: 'UART0' });
  expect(cfg.mww_hil).toEqual({ id: 'hil_mic', micro_wake_word_id: 'mww_engine', uart_num: 0, baud_rate: baud });
  // micro_wake_word hears the HIL microphone, keeps running through detections, forwards each one.
  expect(cfg.micro_wake_word.id).toBe('mww_engine');
  expect(cfg.micro_wake_word.microphone).toBe('hil_mic');
  expect(cfg.micro_wake_word.stop_after_detection).toBe(false);
  expect(cfg.micro_wake_word.on_wake_word_detected[0]).toEqual({ lambda: 'id(hil_mic).on_wake_word_detected(wake_word);' });
}

const filesIn = (dir: string): string[] => readdirSync(dir).filter((f) => !f.startsWith('.') && !f.endsWith('.pyc')).sort();

describeShared('mww build --hil: test-mode projects', () => {
  const line = ESPHOME_LINES['2025.11'];
  for (const board of listBoards()) {
    if (boardLineProblem(board, line)) continue;
    it(`${board.id}: mww_hil block, microphone wiring, logger, component files${board.id === 'esp32' || board.id === 'esp32-s3' ? ', C++ of both components' : ''}`, async () => {
      const out = tmp();
      const rep = await buildProject({ board: board.id, models: [{ path: OKAY_NABU() }], out, esphomeVersion: line.id, hil: {}, voiceAssistant: board.speaker !== undefined });
      const cfg = parseEsphomeYaml(readFileSync(rep.projectFile, 'utf8'));
      expectTestModeConfig(cfg, HIL_DEFAULT_BAUD);
      const { tx, rx } = CHIPS[board.chip].uart0;
      expect(rep.hil).toEqual({ baudRate: HIL_DEFAULT_BAUD, uart: 'UART0', uartNum: 0, txPin: tx, rxPin: rx });
      expect(rep.notes.join('\n')).toContain(`mww hil PORT --baud ${HIL_DEFAULT_BAUD}`);
      // The board's own microphone stays configured (its pins as in the board file); only micro_wake_word moved.
      if (cfg.i2s_audio) expect(cfg.microphone[0].i2s_din_pin).toBe(`GPIO${board.microphone.din}`);
      if (cfg.voice_assistant) expect(JSON.stringify(cfg.voice_assistant.microphone)).toContain('board_microphone');
      // Both components copied byte for byte.
      for (const [dir, name] of [[COMPONENT_DIR, 'mww'], [HIL_COMPONENT_DIR, 'mww_hil']] as const) {
        expect(filesIn(path.join(out, 'components', name))).toEqual(filesIn(dir));
        for (const f of filesIn(dir)) expect(readFileSync(path.join(out, 'components', name, f)).equals(readFileSync(path.join(dir, f))), `${name}/${f}`).toBe(true);
      }
      // g++ over the same sources for every board: two boards (one per chip) are enough to cover the generated main.
      if (board.id === 'esp32' || board.id === 'esp32-s3') compileBothComponents(out, cfg);
    });
  }

  it('mww.yaml `hil: { baud: 460800 }`: rate in logger and mww_hil, C++ checked; switching it off restores the normal build exactly', async () => {
    const dir = tmp();
    mkdirSync(dir);
    const normal = await buildProject({ board: 'esp32-s3', name: 'esp32-s3', models: [{ path: OKAY_NABU() }], out: path.join(tmpRoot, 'normal') });
    const projectFile = path.join(dir, 'mww.yaml');
    writeFileSync(projectFile, `version: 1\nname: esp32-s3\nboard: esp32-s3\nwakeWords: [${JSON.stringify(OKAY_NABU())}]\nhil: { baud: 460800 }\n`);
    let r = await runCli(['build', '--project', projectFile, '--no-compile', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.hil).toMatchObject({ baudRate: 460800, uart: 'UART0' });
    const cfg = parseEsphomeYaml(readFileSync(res.projectFile, 'utf8'));
    expectTestModeConfig(cfg, 460800);
    compileBothComponents(res.dir, cfg);

    // hil: false → the same bytes as a build that never had test mode; components/mww_hil is removed.
    writeFileSync(projectFile, readFileSync(projectFile, 'utf8').replace('hil: { baud: 460800 }', 'hil: false'));
    r = await runCli(['build', '--project', projectFile, '--no-compile', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const off = JSON.parse(r.stdout);
    expect(off.hil).toBeUndefined();
    expect(existsSync(path.join(off.dir, 'components', 'mww_hil'))).toBe(false);
    expect(readFileSync(off.projectFile, 'utf8')).toBe(readFileSync(normal.projectFile, 'utf8'));
    expect(readFileSync(off.projectFile, 'utf8')).not.toMatch(/hil/i);
  });

  it('mww init --hil writes `hil: true`, and mww build reads it', async () => {
    const dir = tmp();
    mkdirSync(dir);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      let r = await runCli(['init', '--board', 'esp32', '--name', 'Bench', '--model', OKAY_NABU(), '--hil']);
      expect(r.code, r.stderr).toBe(0);
      expect(parseYaml(readFileSync('mww.yaml', 'utf8')).hil).toBe(true);
      r = await runCli(['build', '--no-compile', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).hil.baudRate).toBe(HIL_DEFAULT_BAUD);
    } finally {
      process.chdir(cwd);
    }
  });

  it('specific errors: ESPHome 2024.11, baud rate out of mww_hil\'s range, --hil-baud without --hil, bad hil: in mww.yaml', async () => {
    const out = tmp();
    let r = await runCli(['build', '--board', 'esp32-s3', '--model', OKAY_NABU(), '--out', out, '--hil', '--esphome-version', '2024.11', '--no-compile']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--hil \(the mww_hil test mode\) cannot be built for ESPHome 2024\.11: .*get_wake_words\(\), which exists from ESPHome 2025\.2 on/);
    r = await runCli(['init', '--board', 'esp32', '--esphome-version', '2024.11', '--hil', '--file', path.join(tmpRoot, 'x.yaml')]);
    expect(r.stderr).toMatch(/cannot be built for ESPHome 2024\.11/);
    r = await runCli(['build', '--board', 'esp32-s3', '--model', OKAY_NABU(), '--out', out, '--hil', '--hil-baud', '115200', '--no-compile']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/HIL baud rate 115200: expected an integer from 460800 .* to 3000000/);
    r = await runCli(['build', '--board', 'esp32-s3', '--model', OKAY_NABU(), '--out', out, '--hil-baud', '921600', '--no-compile']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--hil-baud sets the rate of a test build: add --hil/);
    expect(existsSync(out)).toBe(false);
    const base = { version: 1, name: 'x', board: 'esp32' };
    expect(() => parseProject({ ...base, hil: 'yes' }, 'mww.yaml')).toThrow(/hil: expected true, false or a mapping/);
    expect(() => parseProject({ ...base, hil: { speed: 1 } }, 'mww.yaml')).toThrow(/hil\.speed: unknown setting \(known: baud\)/);
    expect(() => parseProject({ ...base, hil: { baud: 'fast' } }, 'mww.yaml')).toThrow(/hil\.baud: expected a baud rate/);
  });
});

it('the build\'s HIL baud limits are mww_hil\'s own schema range', () => {
  expect(mwwHilSchema().ranges.baud_rate).toEqual({ min: HIL_MIN_BAUD, max: HIL_MAX_BAUD });
  expect(readFileSync(path.join(HIL_COMPONENT_DIR, '__init__.py'), 'utf8')).toContain(`CONF_BAUD_RATE, default=${HIL_DEFAULT_BAUD}`);
});
