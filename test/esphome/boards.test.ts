import { describe, expect, it } from 'vitest';
import { listBoards, loadBoard } from '../../src/esphome/boards.js';
import { ESPHOME_LINES, boardLineProblem, resolveLine } from '../../src/esphome/versions.js';
import { runCli } from '../helpers/cli.js';
import { boardError } from './helpers.js';

describe('boards as data', () => {
  it('ships at least eight valid boards including the required five', () => {
    const ids = listBoards().map((b) => b.id);
    expect(ids.length).toBeGreaterThanOrEqual(8);
    for (const id of ['esp32-s3', 'esp32', 'm5stack-atom-echo', 'esp32-s3-box-3', 'home-assistant-voice-pe']) expect(ids).toContain(id);
  });

  it('records the facts of ../shared/docs/boards.md', () => {
    const s3 = loadBoard('esp32-s3');
    expect([s3.esphomeBoard, s3.i2sBus.lrclk, s3.i2sBus.bclk, s3.microphone.din, s3.microphone.type, s3.logger.hardwareUart]).toEqual(['esp32-s3-devkitc-1', 3, 2, 4, 'i2s', 'UART0']);
    const echo = loadBoard('m5stack-atom-echo');
    expect([echo.chip, echo.esphomeBoard, echo.i2sBus.lrclk, echo.i2sBus.bclk, echo.microphone.din, echo.microphone.type, echo.speaker?.dout, echo.psram.mode]).toEqual(['esp32', 'm5stack-atom', 33, 19, 23, 'pdm', 22, 'none']);
    const box = loadBoard('esp32-s3-box-3');
    expect([box.esphomeBoard, box.flashSize, box.i2sBus.lrclk, box.i2sBus.bclk, box.i2sBus.mclk, box.microphone.din, box.i2c?.sda, box.i2c?.scl, box.speaker?.dout]).toEqual(['esp32s3box', '16MB', 45, 17, 2, 16, 8, 18, 15]);
    const pe = loadBoard('home-assistant-voice-pe');
    expect([pe.i2sBus.lrclk, pe.i2sBus.bclk, pe.i2sBus.mode, pe.microphone.din, pe.speaker?.bus?.lrclk, pe.speaker?.bus?.bclk, pe.speaker?.dout, pe.flashSize]).toEqual([14, 13, 'secondary', 15, 7, 8, 10, '16MB']);
  });

  it('says which boards cannot be generated for the 2024.11 line', () => {
    const old = ESPHOME_LINES['2024.11'];
    expect(boardLineProblem(loadBoard('esp32-s3'), old)).toBeUndefined();
    expect(boardLineProblem(loadBoard('esp32-s3-box-3'), old)).toBeUndefined(); // esp_adf variant
    expect(boardLineProblem(loadBoard('waveshare-esp32-s3-audio'), old)).toMatch(/audio_adc/);
    expect(boardLineProblem(loadBoard('home-assistant-voice-pe'), old)).toMatch(/2024\.12/);
  });

  it('resolves ESPHome versions to lines and rejects others', () => {
    expect(resolveLine(undefined).id).toBe('2025.11');
    expect(resolveLine('2024.11.2').id).toBe('2024.11');
    expect(() => resolveLine('2023.12')).toThrow(/not supported.*2024\.11 and 2025\.11/);
  });

  it('rejects a pin used twice, naming both uses', () => {
    expect(boardError((b) => (b.microphone.din = 2))).toMatch(/my-board\.yaml: microphone\.din: GPIO2 is used twice: by i2sBus\.bclk and by microphone\.din/);
  });
  it('rejects outputs on input-only, flash and PSRAM pins', () => {
    const esp32 = (b: Record<string, any>): void => {
      b.chip = 'esp32';
      b.psram = { mode: 'none' };
      b.speaker = undefined;
    };
    expect(boardError((b) => { esp32(b); b.i2sBus.lrclk = 35; })).toMatch(/i2sBus\.lrclk: GPIO35 is input-only on ESP32/);
    expect(boardError((b) => { esp32(b); b.microphone.din = 7; })).toMatch(/microphone\.din: GPIO7 is connected to the SPI flash/);
    expect(boardError((b) => (b.microphone.din = 35))).toMatch(/GPIO35 is taken by the octal PSRAM/);
    expect(boardError((b) => (b.microphone.din = 23))).toMatch(/GPIO23 does not exist on ESP32-S3/);
  });
  it('rejects PDM on a board whose microphone path cannot do PDM', () => {
    expect(boardError((b) => { b.microphone.type = 'pdm'; b.microphone.adc = { platform: 'es7210' }; b.i2c = { sda: 10, scl: 11 }; })).toMatch(/microphone\.type: PDM is not possible with the es7210 codec/);
    expect(boardError((b) => { b.microphone.type = 'pdm'; b.i2sBus.mode = 'secondary'; })).toMatch(/secondary-mode bus cannot do PDM/);
  });
  it('rejects unknown keys with the file, the key path and the allowed keys', () => {
    expect(boardError((b) => (b.flashsize = '8MB'))).toBe(
      "my-board.yaml: flashsize: unknown key 'flashsize' (allowed keys: id, name, chip, esphomeBoard, flashSize, cpuFrequency, psram, logger, i2c, i2sBus, microphone, speaker, led, button, fixedPins, notes, sources, esphomeLines)",
    );
    expect(boardError((b) => (b.microphone.dinPin = 4))).toBe(
      "my-board.yaml: microphone.dinPin: unknown key 'dinPin' (allowed keys of microphone: type, din, adcType, channel, bitsPerSample, sampleRate, adc, wakeWordChannel, assistantChannel, gainFactor)",
    );
    expect(boardError((b) => (b.i2sBus.ws = 3))).toBe("my-board.yaml: i2sBus.ws: unknown key 'ws' (allowed keys of i2sBus: lrclk, bclk, mclk, mode)");
    expect(boardError((b) => (b.speaker.bus = { lrclk: 6, bclk: 7, sck: 9 }))).toMatch(/^my-board\.yaml: speaker\.bus\.sck: unknown key 'sck' \(allowed keys of speaker\.bus: lrclk, bclk, mclk, mode\)$/);
    expect(boardError((b) => (b.psram.size = '8MB'))).toMatch(/^my-board\.yaml: psram\.size: unknown key 'size' \(allowed keys of psram: mode, speed\)$/);
    expect(boardError((b) => (b.logger.baudRate = 115200))).toMatch(/^my-board\.yaml: logger\.baudRate: unknown key 'baudRate' \(allowed keys of logger: hardwareUart\)$/);
    expect(boardError((b) => (b.fixedPins = [{ id: 'amp', pin: 9, level: 'high', purpose: 'amp', inverted: true }]))).toMatch(
      /^my-board\.yaml: fixedPins\[0\]\.inverted: unknown key 'inverted' \(allowed keys of fixedPins\[0\]: id, pin, level, withSpeaker, purpose\)$/,
    );
    expect(boardError((b) => (b.led = { pin: 48, chipset: 'WS2812', count: 1 }))).toMatch(/^my-board\.yaml: led\.count: unknown key 'count' \(allowed keys of led: pin, chipset, numLeds, rgbOrder, kind, inverted\)$/);
    expect(boardError((b) => (b.esphomeLines = { '2024.12': { unsupported: 'x' } }))).toMatch(/^my-board\.yaml: esphomeLines\.2024\.12: unknown key '2024\.12' \(allowed keys of esphomeLines: 2024\.11, 2025\.11\)$/);
    expect(boardError((b) => (b.esphomeLines = { '2024.11': { unsuported: 'x' } }))).toMatch(/^my-board\.yaml: esphomeLines\.2024\.11\.unsuported: unknown key 'unsuported' \(allowed keys of esphomeLines\.2024\.11: unsupported, audioStack, espAdfBoard\)$/);
  });
  it('esp_adf: a known ADF board is required, on its chip; espAdfBoard alone is refused', () => {
    expect(boardError((b) => (b.esphomeLines = { '2024.11': { audioStack: 'esp_adf' } }))).toMatch(/esphomeLines\.2024\.11\.espAdfBoard: is required \(one of esp32s3box3\)/);
    expect(boardError((b) => (b.esphomeLines = { '2024.11': { audioStack: 'esp_adf', espAdfBoard: 'lyrat' } }))).toMatch(/esphomeLines\.2024\.11\.espAdfBoard: expected one of esp32s3box3, found string "lyrat"/);
    expect(boardError((b) => (b.esphomeLines = { '2024.11': { espAdfBoard: 'esp32s3box3' } }))).toMatch(/esphomeLines\.2024\.11\.espAdfBoard: only applies with audioStack: esp_adf/);
    const onEsp32 = (b: Record<string, any>): void => {
      b.chip = 'esp32';
      b.psram = { mode: 'none' };
      b.logger = {};
      b.i2sBus = { lrclk: 25, bclk: 26 };
      b.microphone.din = 27;
      delete b.speaker;
      b.esphomeLines = { '2024.11': { audioStack: 'esp_adf', espAdfBoard: 'esp32s3box3' } };
    };
    expect(boardError(onEsp32)).toMatch(/esphomeLines\.2024\.11\.espAdfBoard: esp32s3box3 is an ESP32-S3 board, but this board's chip is ESP32/);
    expect(loadBoard('esp32-s3-box-3').esphomeLines['2024.11']).toEqual({ unsupported: undefined, audioStack: 'esp_adf', espAdfBoard: 'esp32s3box3' });
  });
  it("refuses an internal-ADC microphone, which the templates cannot write (ESPHome's adc_type internal has no data pin)", () => {
    expect(boardError((b) => (b.microphone.adcType = 'internal'))).toMatch(/my-board\.yaml: microphone\.adcType: internal \(the ESP32-S3's built-in ADC on an analog pin\) is not supported: mww generates I2S or PDM microphones on a data pin \(adcType: external\)/);
    expect(boardError((b) => (b.speaker.dacType = 'internal'))).toMatch(/my-board\.yaml: speaker\.dacType: internal \(the ESP32-S3's built-in DAC\) is not supported: mww generates I2S speakers on a data pin \(dacType: external\)/);
  });
  it('names the file and field for malformed values', () => {
    expect(boardError((b) => (b.chip = 'esp32c3'))).toMatch(/my-board\.yaml: chip: expected one of esp32, esp32s3/);
    expect(boardError((b) => delete b.microphone.din)).toMatch(/microphone\.din: is required/);
    expect(boardError((b) => (b.microphone.bitsPerSample = 12))).toMatch(/microphone\.bitsPerSample: expected one of 16, 32/);
  });

  it('`mww boards --json` lists id, chip and name; unknown boards are specific errors', async () => {
    const r = await runCli(['boards', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { id: string; chip: string; name: string; esphome: Record<string, { supported: boolean }> }[];
    expect(rows.length).toBeGreaterThanOrEqual(8);
    for (const row of rows) expect(Object.keys(row)).toEqual(expect.arrayContaining(['id', 'chip', 'name']));
    expect(rows.find((x) => x.id === 'esp32-s3-box-lite')?.esphome['2024.11'].supported).toBe(false);
    const human = await runCli(['boards']);
    expect(human.stdout).toMatch(/not for ESPHome 2024\.11/);
    expect(() => loadBoard('esp32-s4')).toThrow(/unknown board 'esp32-s4'\. Known boards: .*esp32-s3/);
  });
});
