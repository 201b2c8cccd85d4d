import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { runCli } from '../helpers/cli.js';
import { buildProject } from '../../src/esphome/build.js';
import { listBoards } from '../../src/esphome/boards.js';
import { ESPHOME_LINES, boardLineProblem } from '../../src/esphome/versions.js';
import { writeProjectDir } from '../../src/esphome/output-dir.js';
import { recommendedArena } from '../../src/micro/arena/index.js';
import { readModelFile } from '../../src/tflite/file.js';
import { readModel } from '../../src/tflite/reader.js';
import { checkEsphomeContract } from '../../src/micro/contract.js';
import { DEFAULT_LINE } from '../../src/esphome/versions.js';
import { compileProject, fakeMain, parseEsphomeYaml } from './helpers.js';

const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'mww-esphome-test-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));
let n = 0;
const tmp = (): string => path.join(tmpRoot, `p${n++}`);

/** Every file under dir with its bytes and mtime, for "nothing changed" checks. */
function snapshot(dir: string): Record<string, { sha: string; mtime: number }> {
  const out: Record<string, { sha: string; mtime: number }> = {};
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d).sort()) {
      const full = path.join(d, e);
      const r = rel ? `${rel}/${e}` : e;
      if (statSync(full).isDirectory()) walk(full, r);
      else out[r] = { sha: createHash('sha256').update(readFileSync(full)).digest('hex'), mtime: statSync(full).mtimeMs };
    }
  };
  walk(dir, '');
  return out;
}

/** Compile the component plus a main.cpp written the way ESPHome's codegen calls it for this config. */
const compileAgainstFakes = (dir: string, cfg: Record<string, any>): void => compileProject(dir, fakeMain(cfg), ['mww']);

const OKAY_NABU = (): string => sharedPath('models', 'okay_nabu.json');

describeShared('mww build: generated ESPHome projects', () => {
  const boards = listBoards();
  for (const line of Object.values(ESPHOME_LINES)) {
    for (const board of boards) {
      if (boardLineProblem(board, line)) continue;
      it(`${board.id} on ESPHome ${line.id}: parses, pins match the board, arena matches the calculator, C++ compiles`, async () => {
        const out = tmp();
        const withVad = board.id === 'esp32-s3';
        const rep = await buildProject({ board: board.id, models: [{ path: OKAY_NABU() }], vad: withVad ? { path: sharedPath('models', 'vad.json') } : undefined, out, esphomeVersion: line.id, voiceAssistant: board.speaker !== undefined });
        const cfg = parseEsphomeYaml(readFileSync(rep.projectFile, 'utf8'));
        expect(cfg.esphome.name).toBe(rep.name);
        expect(cfg.esp32.board).toBe(board.esphomeBoard);
        expect(cfg.esp32.framework.type).toBe('esp-idf');
        expect('cpu_frequency' in cfg.esp32).toBe(line.cpuFrequency && board.cpuFrequency !== undefined);
        expect(cfg.wifi.ssid).toEqual({ secret: 'wifi_ssid' });
        expect(cfg.logger?.hardware_uart ?? null).toBe(board.logger.hardwareUart ?? null);
        if (board.esphomeLines[line.id]?.audioStack === 'esp_adf') {
          expect(cfg.microphone[0].platform).toBe('esp_adf');
        } else {
          const bus = cfg.i2s_audio[0];
          expect(bus.i2s_lrclk_pin).toBe(`GPIO${board.i2sBus.lrclk}`);
          expect(bus.i2s_bclk_pin).toBe(board.i2sBus.bclk === undefined ? undefined : `GPIO${board.i2sBus.bclk}`);
          expect(bus.i2s_mclk_pin).toBe(board.i2sBus.mclk === undefined ? undefined : `GPIO${board.i2sBus.mclk}`);
          const mic = cfg.microphone[0];
          expect(mic.i2s_din_pin).toBe(`GPIO${board.microphone.din}`);
          expect(mic.pdm).toBe(board.microphone.type === 'pdm');
          expect(mic.channel).toBe(board.microphone.channel);
          if (board.i2c) expect([cfg.i2c[0].sda, cfg.i2c[0].scl]).toEqual([`GPIO${board.i2c.sda}`, `GPIO${board.i2c.scl}`]);
          if (board.speaker) expect(cfg.speaker[0].i2s_dout_pin).toBe(`GPIO${board.speaker.dout}`);
          if (board.speaker?.bus) expect(cfg.i2s_audio[1].i2s_lrclk_pin).toBe(`GPIO${board.speaker.bus.lrclk}`);
        }
        expect('media_player' in cfg).toBe(line.mediaPlayerSpeaker && board.speaker !== undefined);
        expect(cfg.micro_wake_word.models[0].model).toBe('models/okay_nabu.json');
        expect(cfg.external_components[0].source).toEqual({ type: 'local', path: 'components' });

        // Manifest: arena = the calculator's recommendation for this chip, worst case over the line's ESP-NN versions.
        const { model, bytes } = await readModelFile(sharedPath('models', 'okay_nabu.tflite'));
        const expected = Math.max(...line.espNn.map((espNn) => recommendedArena(model, { chip: board.chip, espNn }).value));
        const manifest = JSON.parse(readFileSync(path.join(out, 'models', 'okay_nabu.json'), 'utf8'));
        expect(manifest.micro.tensor_arena_size).toBe(expected);
        expect(manifest.model).toBe('okay_nabu.tflite');
        expect(manifest.wake_word).toBe('Okay Nabu');
        expect(Buffer.compare(readFileSync(path.join(out, 'models', 'okay_nabu.tflite')), Buffer.from(bytes))).toBe(0);

        // Identity line content (docs/device-log.md).
        const identity = JSON.parse(cfg.mww.identity);
        expect(identity).toMatchObject({ v: 1, chip: board.chip, esphome: line.version });
        expect(identity.models[0]).toEqual({ id: 'okay_nabu', wakeWord: 'Okay Nabu', sha256: createHash('sha256').update(bytes).digest('hex'), arena: expected });
        if (withVad) expect(identity.models[1].id).toBe('vad');

        compileAgainstFakes(out, cfg);
      });
    }
  }

  it('re-running changes nothing; secrets.yaml and other user files are never overwritten', async () => {
    const out = tmp();
    const opts = { board: 'esp32-s3', models: [{ path: OKAY_NABU() }], out };
    await buildProject(opts);
    writeFileSync(path.join(out, 'secrets.yaml'), 'wifi_ssid: mine\n');
    writeFileSync(path.join(out, 'notes.txt'), 'user file');
    const before = snapshot(out);
    const again = await buildProject(opts);
    expect(again.changed).toBe(false);
    expect(snapshot(out)).toEqual(before);
    // A real change (other board line) rewrites generated files but keeps the user's.
    const changed = await buildProject({ ...opts, esphomeVersion: '2024.11' });
    expect(changed.changed).toBe(true);
    expect(readFileSync(path.join(out, 'secrets.yaml'), 'utf8')).toBe('wifi_ssid: mine\n');
    expect(readFileSync(path.join(out, 'notes.txt'), 'utf8')).toBe('user file');
    expect(changed.notes.join(' ')).toMatch(/lacks: wifi_password/);
  });

  it('a failing build leaves the previous output intact and no temporary directories', async () => {
    const out = tmp();
    await buildProject({ board: 'esp32', models: [{ path: OKAY_NABU() }], out });
    const before = snapshot(out);
    await expect(buildProject({ board: 'esp32', models: [{ path: path.join(tmpRoot, 'missing.json') }], out })).rejects.toThrow(/model not found/);
    await expect(
      writeProjectDir(out, { files: { 'x.yaml': 'new' }, createOnly: [], managed: ['x.yaml'] }, { beforeSwap: () => { throw new Error('disk full'); } }),
    ).rejects.toThrow(/disk full/);
    expect(snapshot(out)).toEqual(before);
    expect(readdirSync(path.dirname(out)).filter((f) => f.includes('mww-tmp') || f.includes('mww-old'))).toEqual([]);
  });

  it('specific errors: unknown board, missing model, unsupported line, invalid names', async () => {
    const out = tmp();
    let r = await runCli(['build', '--board', 'esp32-s9', '--model', OKAY_NABU(), '--out', out]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown board 'esp32-s9'/);
    r = await runCli(['build', '--board', 'esp32-s3', '--model', path.join(tmpRoot, 'nope.tflite'), '--out', out]);
    expect(r.stderr).toMatch(/nope\.tflite: model not found/);
    r = await runCli(['build', '--board', 'waveshare-esp32-s3-audio', '--esphome-version', '2024.11', '--model', OKAY_NABU(), '--out', out]);
    expect(r.stderr).toMatch(/cannot be generated for ESPHome 2024\.11/);
    r = await runCli(['build', '--board', 'esp32-s3', '--name', '🎤 ✨', '--model', OKAY_NABU(), '--out', out]);
    expect(r.stderr).toMatch(/invalid name "🎤 ✨": it has no letters or digits/);
    expect(existsSync(out)).toBe(false);
  });

  it('a name full of special characters gives valid YAML, file names and C++', async () => {
    const out = tmp();
    const name = 'Küche "Nabu": #1 $HOME\nnext';
    const rep = await buildProject({ board: 'm5stack-atom-echo', models: [{ path: OKAY_NABU(), wakeWord: 'Hé "du": #$x' }], out, name });
    expect(rep.name).toBe('kuche-nabu-1-home-next');
    expect(path.basename(rep.projectFile)).toBe('kuche-nabu-1-home-next.yaml');
    const cfg = parseEsphomeYaml(readFileSync(rep.projectFile, 'utf8'));
    expect(cfg.esphome.friendly_name).toBe('Küche "Nabu": #1 $HOME next');
    expect(cfg.mww.identity).not.toContain('$');
    expect(JSON.parse(cfg.mww.identity).models[0]).toMatchObject({ id: 'he_du_x', wakeWord: 'Hé "du": #$x' });
    compileAgainstFakes(out, cfg);
  });

  it('CLI: without ESPHome it says how to install it and exits 0; with ESPHome it streams and reports firmware', async () => {
    const out = tmp();
    let r;
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      r = await runCli(['build', '--board', 'esp32-s3', '--model', OKAY_NABU(), '--out', out, '--json']);
    } finally {
      process.env.PATH = saved;
    }
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.compile).toMatchObject({ ran: false, reason: 'esphome not found' });
    expect(res.compile.hint).toMatch(/pipx install esphome/);
    // A stand-in esphome executable: prints progress and leaves firmware where ESPHome does.
    const fake = path.join(tmpRoot, 'fake-esphome');
    writeFileSync(fake, `#!/bin/sh\necho "INFO Reading configuration $2..."\nd=.esphome/build/${res.name}/.pioenvs/${res.name}\nmkdir -p "$d" && printf bin > "$d/firmware.factory.bin" && printf bin > "$d/firmware.ota.bin"\necho "INFO Successfully compiled program."\n`);
    chmodSync(fake, 0o755);
    r = await runCli(['build', '--board', 'esp32-s3', '--model', OKAY_NABU(), '--out', out, '--esphome', fake]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/esphome \| INFO Successfully compiled program\./);
    expect(r.stdout).toMatch(/firmware\.factory\.bin/);
    // The .esphome build cache survives a rebuild that changes the config.
    await buildProject({ board: 'esp32-s3', models: [{ path: OKAY_NABU() }], out, esphomeVersion: '2024.11' });
    expect(existsSync(path.join(out, '.esphome', 'build', res.name, '.pioenvs', res.name, 'firmware.ota.bin'))).toBe(true);
  });

  it('mww init writes mww.yaml and mww build reads it', async () => {
    const dir = tmp();
    mkdirSync(dir);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      let r = await runCli(['init', '--board', 'esp32-s3-box-3', '--name', 'Office Box', '--model', OKAY_NABU()]);
      expect(r.code).toBe(0);
      r = await runCli(['init']);
      expect(r.stderr).toMatch(/mww\.yaml already exists; pass --force/);
      r = await runCli(['build', '--no-compile', '--json']);
      expect(r.code).toBe(0);
      const res = JSON.parse(r.stdout);
      expect(res.board.id).toBe('esp32-s3-box-3');
      expect(res.dir).toBe(path.join(dir, 'build', 'office-box'));
      expect(existsSync(path.join(res.dir, 'office-box.yaml'))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('the README example on a fresh clone (no ../shared, no user files)', () => {
  it('`mww build --board esp32-s3 --out build/demo` builds the labelled UNTRAINED demo; re-running changes nothing', async () => {
    const dir = tmp();
    mkdirSync(dir);
    const cwd = process.cwd();
    // No esphome on PATH: the README says the build then stops cleanly after writing the project.
    const run = async (): Promise<Awaited<ReturnType<typeof runCli>>> => {
      const savedPath = process.env.PATH;
      process.env.PATH = '/nonexistent';
      try {
        return await runCli(['build', '--board', 'esp32-s3', '--out', 'build/demo', '--json']);
      } finally {
        process.env.PATH = savedPath;
      }
    };
    process.chdir(dir);
    try {
      const r = await run();
      expect(r.code, r.stderr).toBe(0);
      const res = JSON.parse(r.stdout);
      expect(res).toMatchObject({ untrained: true, changed: true, compile: { ran: false, reason: 'esphome not found' } });
      const out = path.join(dir, 'build', 'demo');
      const cfgText = readFileSync(path.join(out, 'esp32-s3.yaml'), 'utf8');
      expect(cfgText).toMatch(/WARNING: UNTRAINED DEMO MODEL/);
      const cfg = parseEsphomeYaml(cfgText);
      const m = res.models[0];
      expect(cfg.micro_wake_word.models[0].model).toBe(m.manifest);
      // The demo passes ESPHome's loader contract, and its manifest carries the calculator's arena for the chip.
      const bytes = readFileSync(path.join(out, m.tflite));
      const model = readModel(bytes, 'demo');
      expect(checkEsphomeContract(model).problems).toEqual([]);
      const line = ESPHOME_LINES[DEFAULT_LINE];
      const expected = Math.max(...line.espNn.map((espNn) => recommendedArena(model, { chip: 'esp32s3', espNn }).value));
      const manifest = JSON.parse(readFileSync(path.join(out, m.manifest), 'utf8'));
      expect(manifest.micro.tensor_arena_size).toBe(expected);
      // Calibrated on synthetic data (issue 4): the manifest itself says it is not for deployment.
      expect(manifest.author).toBe('mww demo (untrained) (synthetic calibration: not for deployment)');
      expect(JSON.parse(cfg.mww.identity).models[0]).toEqual({ id: m.id, wakeWord: m.wakeWord, sha256: createHash('sha256').update(bytes).digest('hex'), arena: expected });
      compileAgainstFakes(out, cfg);

      const before = snapshot(out);
      const again = JSON.parse((await run()).stdout);
      expect(again.changed).toBe(false);
      expect(snapshot(out)).toEqual(before);
    } finally {
      process.chdir(cwd);
    }
  }, 60_000);
});
