/**
 * Pins the ESPHome configuration facts the templates rely on, per release line, as read from the public
 * sources (cited per rule). Every board is rendered for every line it supports and each emitted key is checked
 * against that line's CONFIG_SCHEMA: a key or value ESPHome would reject fails here, without ESPHome installed.
 */
import { describe, expect, it } from 'vitest';
import { listBoards, loadBoard } from '../../src/esphome/boards.js';
import type { Board } from '../../src/esphome/board-schema.js';
import { renderDeviceYaml, DEFAULT_SECRETS, type ProjectModel } from '../../src/esphome/render.js';
import { ESPHOME_LINES, boardLineProblem, type EsphomeLine } from '../../src/esphome/versions.js';
import { boardError, mwwHilSchema, parseEsphomeYaml } from './helpers.js';

type Cfg = Record<string, any>;

const MODEL: ProjectModel = { id: 'okay_nabu', wakeWord: 'Okay Nabu', sha256: '0'.repeat(64), arena: 30000, manifestFile: 'models/okay_nabu.json' };
const VAD: ProjectModel = { id: 'vad', wakeWord: 'vad', sha256: '1'.repeat(64), arena: 20000, manifestFile: 'models/vad.json' };

function render(board: Board, line: EsphomeLine, voiceAssistant: boolean, vad = false, hil?: { baudRate: number; uartNum: number }): Cfg {
  const yaml = renderDeviceYaml({
    name: 'test-device',
    friendlyName: 'Test device',
    board,
    line,
    models: [MODEL],
    vad: vad ? VAD : undefined,
    voiceAssistant,
    secrets: DEFAULT_SECRETS,
    untrained: false,
    hil,
  });
  return parseEsphomeYaml(yaml);
}

function keysWithin(obj: Cfg, allowed: string[], where: string): void {
  const extra = Object.keys(obj).filter((k) => !allowed.includes(k));
  expect(extra, `${where}: keys not in the ESPHome schema`).toEqual([]);
}

const asList = (v: unknown): Cfg[] => (Array.isArray(v) ? v : v === undefined ? [] : [v as Cfg]);

/** A microphone reference: an id (all lines) or, from 2025.5, a microphone source mapping. */
function checkMicRef(ref: unknown, line: EsphomeLine, where: string): void {
  if (typeof ref === 'string') return;
  // esphome/components/microphone/__init__.py microphone_source_schema: maybe_conf(microphone, {microphone,
  // bits_per_sample 16, channels: list of 0-7, gain_factor 1-64}); 2024.11 micro_wake_word / voice_assistant:
  // cv.use_id(microphone.Microphone) only.
  expect(line.microphoneSource, `${where}: a microphone source mapping needs ESPHome 2025.5+`).toBe(true);
  const m = ref as Cfg;
  keysWithin(m, ['microphone', 'channels', 'bits_per_sample', 'gain_factor'], where);
  expect(typeof m.microphone).toBe('string');
  for (const c of asList(m.channels) as unknown as number[]) expect(c >= 0 && c <= 7).toBe(true);
  if (m.gain_factor !== undefined) expect(m.gain_factor >= 1 && m.gain_factor <= 64).toBe(true);
}

function checkAgainstSchema(cfg: Cfg, board: Board, line: EsphomeLine): void {
  // esphome/components/esp32/__init__.py: 2024 schema {board, flash_size, partitions, variant, framework};
  // cpu_frequency (one_of FULL_CPU_FREQUENCIES, upper=True) only in 2025 releases; FLASH_SIZES 2MB..32MB.
  keysWithin(cfg.esp32, ['board', 'flash_size', 'framework', ...(line.cpuFrequency ? ['cpu_frequency'] : [])], 'esp32');
  expect(['2MB', '4MB', '8MB', '16MB', '32MB']).toContain(cfg.esp32.flash_size);
  if (cfg.esp32.cpu_frequency !== undefined) expect(['80MHZ', '160MHZ', '240MHZ']).toContain(String(cfg.esp32.cpu_frequency).toUpperCase());
  // micro_wake_word: cv.only_with_esp_idf (2024) / esp-idf only.
  expect(cfg.esp32.framework.type).toBe('esp-idf');

  // esphome/components/psram/__init__.py: mode quad|octal (octal only on ESP32-S3), speed 40/80/120MHz,
  // "PSRAM 120MHz is not supported in octal mode".
  if (cfg.psram) {
    keysWithin(cfg.psram, ['mode', 'speed'], 'psram');
    expect(board.chip === 'esp32s3' ? ['quad', 'octal'] : ['quad']).toContain(cfg.psram.mode);
    if (cfg.psram.speed) expect(['40MHz', '80MHz', '120MHz']).toContain(cfg.psram.speed);
    expect(cfg.psram.mode === 'octal' && cfg.psram.speed === '120MHz').toBe(false);
  }

  // esphome/components/logger/__init__.py UART_SELECTION_ESP32.
  const uarts = board.chip === 'esp32' ? ['UART0', 'UART1', 'UART2'] : ['UART0', 'UART1', 'USB_CDC', 'USB_SERIAL_JTAG'];
  if (cfg.logger?.hardware_uart) expect(uarts).toContain(cfg.logger.hardware_uart);
  // logger CONFIG_SCHEMA: baud_rate is cv.positive_int (default 115200).
  keysWithin(cfg.logger ?? {}, ['hardware_uart', 'baud_rate'], 'logger');
  if (cfg.logger?.baud_rate !== undefined) expect(Number.isInteger(cfg.logger.baud_rate) && cfg.logger.baud_rate > 0).toBe(true);

  if (cfg.mww_hil !== undefined) {
    // Test mode (firmware/components/mww_hil): get_wake_words() exists from 2025.2; DEPENDENCIES micro_wake_word, logger.
    expect(line.wakeWordsApi, 'mww_hil needs MicroWakeWord::get_wake_words() (ESPHome 2025.2+)').toBe(true);
    const { keys, ranges } = mwwHilSchema();
    keysWithin(cfg.mww_hil, keys, 'mww_hil');
    for (const [k, r] of Object.entries(ranges)) {
      const v = cfg.mww_hil[k];
      if (v !== undefined) expect(Number.isInteger(v) && v >= r.min && v <= r.max, `mww_hil.${k} ${v} in ${r.min}..${r.max}`).toBe(true);
    }
    expect(cfg.mww_hil.micro_wake_word_id).toBe(cfg.micro_wake_word.id); // cv.use_id(MicroWakeWord)
    expect(cfg.external_components.some((e: Cfg) => e.components.includes('mww_hil'))).toBe(true);
    // The frames travel on the logger's UART: it must be that hardware UART, at the same rate.
    expect(cfg.logger?.hardware_uart).toBe(`UART${cfg.mww_hil.uart_num ?? 0}`);
    expect(cfg.logger?.baud_rate ?? 115200).toBe(cfg.mww_hil.baud_rate ?? 921600);
  }

  const espAdf = board.esphomeLines[line.id]?.audioStack === 'esp_adf';
  if (espAdf) {
    // ESP32-S3-BOX-3 on 2024.x (esphome/wake-word-voice-assistants esp32-s3-box-3.yaml, min_version 2024.9.0):
    // external component github://pr#5230 esp_adf, board esp32s3box3, box-3 ADF board component via esp32.framework.components.
    expect(cfg.esp_adf).toEqual({ board: 'esp32s3box3' });
    expect(cfg.external_components.some((e: Cfg) => e.source === 'github://pr#5230' && e.components.includes('esp_adf'))).toBe(true);
    expect(cfg.esp32.framework.sdkconfig_options).toMatchObject({ CONFIG_AUDIO_BOARD_CUSTOM: 'y', CONFIG_ESP32_S3_BOX_3_BOARD: 'y' });
    expect(cfg.esp32.framework.components[0]).toMatchObject({ name: 'esp32_s3_box_3_board', source: 'github://jesserockz/esp32-s3-box-3-board@main' });
    expect(asList(cfg.microphone).map((m) => m.platform)).toEqual(['esp_adf']);
  } else {
    // esphome/components/i2s_audio/__init__.py: bus {id, i2s_lrclk_pin (required), i2s_bclk_pin, i2s_mclk_pin};
    // I2S_PORTS: 2 on ESP32 and ESP32-S3.
    const buses = asList(cfg.i2s_audio);
    expect(buses.length).toBeLessThanOrEqual(2);
    for (const b of buses) keysWithin(b, ['id', 'i2s_lrclk_pin', 'i2s_bclk_pin', 'i2s_mclk_pin'], 'i2s_audio');
    const common = ['platform', 'id', 'i2s_audio_id', 'channel', 'sample_rate', 'bits_per_sample', 'i2s_mode'];
    // i2s_audio_component_schema (2024.x): channel left|right|stereo, bits_per_sample 8/16/32 bit, i2s_mode primary|secondary.
    const checkCommon = (c: Cfg, where: string): void => {
      if (c.channel !== undefined) expect(['left', 'right', 'stereo'], where).toContain(c.channel);
      if (c.bits_per_sample !== undefined) expect(['8bit', '16bit', '32bit'], where).toContain(c.bits_per_sample);
      if (c.i2s_mode !== undefined) expect(['primary', 'secondary'], where).toContain(c.i2s_mode);
      expect(buses.map((b) => b.id), where).toContain(c.i2s_audio_id);
    };
    for (const m of asList(cfg.microphone)) {
      // i2s_audio/microphone/__init__.py: typed on adc_type; external: i2s_din_pin (required), pdm (default false).
      keysWithin(m, [...common, 'adc_type', 'i2s_din_pin', 'pdm'], 'microphone');
      expect(m.adc_type).toBe('external');
      expect(typeof m.pdm).toBe('boolean');
      checkCommon(m, 'microphone');
      expect(m.sample_rate).toBe(16000); // micro_wake_word final validation: sample_rate=16000
    }
    for (const s of asList(cfg.speaker)) {
      // i2s_audio/speaker/__init__.py: i2s_dout_pin, dac_type; audio_dac only where the audio_dac component exists.
      keysWithin(s, [...common, 'i2s_dout_pin', 'dac_type', ...(line.audioAdcDac ? ['audio_dac'] : [])], 'speaker');
      checkCommon(s, 'speaker');
    }
    if (!line.audioAdcDac) expect([cfg.audio_adc, cfg.audio_dac]).toEqual([undefined, undefined]);
  }

  // micro_wake_word/__init__.py, 2024.11: {id, microphone: use_id, models: [MODEL_SCHEMA {model,
  // probability_cutoff, sliding_window_size}], on_wake_word_detected, vad}; 2025: models also take id/internal.
  const mww = cfg.micro_wake_word;
  // stop_after_detection: esphome PR #8655 (2025.5).
  keysWithin(mww, ['id', 'microphone', 'models', 'vad', 'on_wake_word_detected', ...(line.stopAfterDetection ? ['stop_after_detection'] : [])], 'micro_wake_word');
  checkMicRef(mww.microphone, line, 'micro_wake_word.microphone');
  // The microphone micro_wake_word uses is one that is configured.
  const micId = typeof mww.microphone === 'string' ? mww.microphone : mww.microphone.microphone;
  expect([...asList(cfg.microphone).map((m) => m.id), ...(cfg.mww_hil ? [cfg.mww_hil.id] : [])]).toContain(micId);
  for (const m of mww.models) keysWithin(m, ['model', 'probability_cutoff', 'sliding_window_size', ...(line.modelIds ? ['id', 'internal'] : [])], 'micro_wake_word.models[]');
  if (mww.vad) keysWithin(mww.vad, ['model', 'probability_cutoff', 'sliding_window_size'], 'micro_wake_word.vad');

  if (cfg.voice_assistant) {
    checkMicRef(cfg.voice_assistant.microphone, line, 'voice_assistant.microphone');
    // speaker and media_player are cv.Exclusive in voice_assistant.
    expect(cfg.voice_assistant.speaker !== undefined && cfg.voice_assistant.media_player !== undefined).toBe(false);
  }
  if (cfg.media_player) {
    // speaker/media_player/__init__.py: required announcement_pipeline {speaker, format, sample_rate, num_channels}.
    expect(line.mediaPlayerSpeaker).toBe(true);
    for (const mp of asList(cfg.media_player)) {
      keysWithin(mp, ['platform', 'id', 'name', 'announcement_pipeline'], 'media_player');
      keysWithin(mp.announcement_pipeline, ['speaker', 'format', 'sample_rate', 'num_channels'], 'announcement_pipeline');
    }
  }
  for (const sw of asList(cfg.switch)) {
    // gpio switch as in the official Voice PE config (internal_speaker_amp).
    keysWithin(sw, ['platform', 'id', 'pin', 'restore_mode', 'internal'], 'switch');
    expect(['ALWAYS_ON', 'ALWAYS_OFF']).toContain(sw.restore_mode);
  }
}

describe('generated configs against the ESPHome schema of each line', () => {
  for (const line of Object.values(ESPHOME_LINES)) {
    for (const board of listBoards()) {
      if (boardLineProblem(board, line)) continue;
      it(`${board.id} on ${line.id}`, () => {
        checkAgainstSchema(render(board, line, false, true), board, line);
        if (board.speaker) checkAgainstSchema(render(board, line, true), board, line);
        if (line.wakeWordsApi) {
          const hil = render(board, line, board.speaker !== undefined, false, { baudRate: 921600, uartNum: 0 });
          expect(hil.mww_hil).toBeDefined();
          checkAgainstSchema(hil, board, line);
        }
      });
    }
  }
});

describe('board facts confirmed from maintained configs', () => {
  const now = ESPHOME_LINES['2025.11'];

  it('Voice PE (esphome/home-assistant-voice-pe home-assistant-voice.yaml)', () => {
    const cfg = render(loadBoard('home-assistant-voice-pe'), now, true);
    expect(cfg.micro_wake_word.microphone).toEqual({ microphone: 'board_microphone', channels: 1, gain_factor: 4 });
    expect(cfg.voice_assistant.microphone).toMatchObject({ microphone: 'board_microphone', channels: 0 });
    expect(cfg.microphone[0]).toMatchObject({ i2s_din_pin: 'GPIO15', channel: 'stereo', bits_per_sample: '32bit', sample_rate: 16000, i2s_mode: 'secondary' });
    expect(cfg.i2s_audio[0]).toMatchObject({ i2s_lrclk_pin: 'GPIO14', i2s_bclk_pin: 'GPIO13' });
    expect(cfg.i2s_audio[1]).toMatchObject({ i2s_lrclk_pin: 'GPIO7', i2s_bclk_pin: 'GPIO8' });
    expect(cfg.speaker[0]).toMatchObject({ i2s_dout_pin: 'GPIO10', sample_rate: 48000, bits_per_sample: '32bit', channel: 'stereo', i2s_mode: 'secondary', audio_dac: 'board_dac' });
    expect(cfg.audio_dac[0].platform).toBe('aic3204');
    expect([cfg.i2c[0].sda, cfg.i2c[0].scl]).toEqual(['GPIO5', 'GPIO6']);
    // voice_kit.cpp: reset pin written high then low, so low = XMOS running; amp: switch on GPIO47.
    expect(cfg.switch).toEqual([
      expect.objectContaining({ pin: 'GPIO4', restore_mode: 'ALWAYS_OFF' }),
      expect.objectContaining({ pin: 'GPIO47', restore_mode: 'ALWAYS_ON' }),
    ]);
    // Without a speaker the amplifier enable is left alone, the XMOS reset is not.
    expect(render(loadBoard('home-assistant-voice-pe'), now, false).switch.map((s: Cfg) => s.pin)).toEqual(['GPIO4']);
    expect(boardLineProblem(loadBoard('home-assistant-voice-pe'), ESPHOME_LINES['2024.11'])).toMatch(/2025\.5/);
  });

  it('generic ESP32 + INMP441 (jlpouffier/voice-assistant-esphome-tutorial voice-assistant-prototype.yaml)', () => {
    const cfg = render(loadBoard('esp32'), now, true);
    expect(cfg.esp32.board).toBe('esp32dev');
    expect(cfg.i2s_audio).toEqual([
      { id: 'i2s_mic_bus', i2s_lrclk_pin: 'GPIO25', i2s_bclk_pin: 'GPIO26' },
      { id: 'i2s_speaker_bus', i2s_lrclk_pin: 'GPIO12', i2s_bclk_pin: 'GPIO27' },
    ]);
    expect(cfg.microphone[0].i2s_din_pin).toBe('GPIO34');
    expect(cfg.speaker[0].i2s_dout_pin).toBe('GPIO33');
  });

  it('M5Stack Atom Echo (esphome/wake-word-voice-assistants m5stack-atom-echo.yaml)', () => {
    const cfg = render(loadBoard('m5stack-atom-echo'), now, false);
    // Official: pdm true, sample_rate 16000, ESPHome defaults channel right / 32bit.
    expect(cfg.microphone[0]).toMatchObject({ i2s_din_pin: 'GPIO23', pdm: true, channel: 'right', bits_per_sample: '32bit' });
    expect(cfg.i2s_audio[0]).toMatchObject({ i2s_lrclk_pin: 'GPIO33', i2s_bclk_pin: 'GPIO19' });
  });

  it('only 2024.11 emits the plain microphone id; model ids only where MODEL_SCHEMA has them', () => {
    const s3 = loadBoard('esp32-s3');
    const old = render(s3, ESPHOME_LINES['2024.11'], true);
    expect(old.micro_wake_word.microphone).toBe('board_microphone');
    expect(old.micro_wake_word.models[0].id).toBeUndefined();
    expect(old.esp32.cpu_frequency).toBeUndefined();
    const cur = render(s3, now, true);
    expect(cur.micro_wake_word.microphone).toEqual({ microphone: 'board_microphone', channels: 0 });
    expect(cur.micro_wake_word.models[0].id).toBe('okay_nabu');
    expect(cur.esp32.cpu_frequency).toBe('240MHz');
  });
});

describe('board validation against ESPHome limits', () => {
  const reject = boardError;

  it('logger ports per chip', () => {
    expect(reject((b) => (b.logger.hardwareUart = 'UART2'))).toMatch(/logger\.hardwareUart: UART2 is not a logger port of ESP32-S3/);
    expect(reject((b) => { b.chip = 'esp32'; b.psram = { mode: 'none' }; b.speaker = undefined; b.logger.hardwareUart = 'USB_SERIAL_JTAG'; })).toMatch(/USB_SERIAL_JTAG is not a logger port of ESP32/);
  });

  it('24-bit samples (not in 2024 i2s_audio) and fixed pins that collide', () => {
    expect(reject((b) => (b.microphone.bitsPerSample = 24))).toMatch(/bitsPerSample: expected one of 16, 32/);
    expect(reject((b) => (b.fixedPins = [{ id: 'amp', pin: 4, level: 'high', purpose: 'x' }]))).toMatch(/fixedPins\[0\]\.pin: GPIO4 is used twice: by microphone\.din/);
    expect(reject((b) => (b.microphone.wakeWordChannel = 9))).toMatch(/wakeWordChannel: expected an integer 0-7/);
  });
});
