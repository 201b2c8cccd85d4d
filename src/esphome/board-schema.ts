import { MwwError } from '../errors.js';
import type { Chip } from './chips.js';
import { CHIPS, isChip } from './chips.js';
import { ESPHOME_LINES } from './versions.js';

/**
 * A voice board as data (`boards/<id>.yaml`). Pins are GPIO numbers. Everything the templates need to write
 * a working ESPHome config for the board is here; nothing board-specific lives in the templates.
 */
export interface I2sBus {
  lrclk: number;
  bclk?: number;
  mclk?: number;
  /** `secondary` when another chip (e.g. the XMOS on the Voice PE) drives the clocks. */
  mode?: 'primary' | 'secondary';
}

export interface Microphone {
  type: 'i2s' | 'pdm';
  din: number;
  adcType: 'external' | 'internal';
  channel: 'left' | 'right' | 'stereo';
  /**
   * 16 or 32 only: ESPHome 2024.x i2s_audio accepts 8/16/32 bit (I2S_BITS_PER_SAMPLE in
   * esphome/components/i2s_audio/__init__.py); 24 bit exists only in later releases.
   */
  bitsPerSample: 16 | 32;
  sampleRate: 16000;
  /** Codec needing an `audio_adc` entry (configured over I2C). */
  adc?: { platform: string };
  /**
   * Channel of the microphone's stream micro_wake_word listens to, and gain applied, through ESPHome's
   * microphone source (`microphone: {microphone: id, channels: N, gain_factor: G}`, ESPHome 2025.5+).
   * The Voice PE feeds wake words from channel 1 with gain 4 (esphome/home-assistant-voice-pe).
   */
  wakeWordChannel?: number;
  /** Channel voice_assistant streams to Home Assistant (same mechanism). */
  assistantChannel?: number;
  gainFactor?: number;
}

export interface Speaker {
  /** Own I2S bus; absent = shares the microphone's bus. */
  bus?: I2sBus;
  dout: number;
  dacType: 'external' | 'internal';
  dac?: { platform: string };
  /** Speaker stream format when the codec/clock master dictates it (e.g. the Voice PE's XMOS: 48 kHz, 32 bit, stereo). */
  sampleRate?: number;
  bitsPerSample?: 16 | 32;
  channel?: 'left' | 'right' | 'stereo';
}

/**
 * A GPIO the board needs held at a fixed level (rendered as an internal `switch: platform: gpio` with
 * `restore_mode: ALWAYS_ON/ALWAYS_OFF`, which drives the pin at setup): e.g. releasing the Voice PE's XMOS
 * from reset, enabling a speaker amplifier.
 */
export interface FixedPin {
  id: string;
  pin: number;
  level: 'high' | 'low';
  /** Only configured when the speaker is (amplifier enables). */
  withSpeaker?: boolean;
  purpose: string;
}

export interface Led {
  pin: number;
  /** Addressable LED chipset (esp32_rmt_led_strip); absent for a plain GPIO LED. */
  chipset?: string;
  numLeds?: number;
  rgbOrder?: string;
  kind?: 'gpio' | 'addressable';
  inverted?: boolean;
}

/**
 * The boards of the `esp_adf` external component (ESPHome PR #5230) mww can generate, with what each needs in the
 * esp32 framework block. Only the ESP32-S3-BOX-3 is confirmed (esphome/wake-word-voice-assistants' 2024 BOX-3
 * config): esp-adf has no BOX-3 board of its own, so jesserockz's board component supplies it and
 * CONFIG_AUDIO_BOARD_CUSTOM selects it. Another ADF board needs its own confirmed entry here.
 */
export const ESP_ADF_BOARDS = Object.freeze({
  esp32s3box3: {
    chip: 'esp32s3' as Chip,
    sdkconfigOptions: ['CONFIG_AUDIO_BOARD_CUSTOM', 'CONFIG_ESP32_S3_BOX_3_BOARD'],
    component: { name: 'esp32_s3_box_3_board', source: 'github://jesserockz/esp32-s3-box-3-board@main' },
  },
});
export type EspAdfBoard = keyof typeof ESP_ADF_BOARDS;

/** What a board needs on one ESPHome release line, when that differs from the default. */
export interface BoardLineOverride {
  /** Reason the board cannot be generated for the line. */
  unsupported?: string;
  /** 2024-era BOX boards: audio through the `esp_adf` external component instead of i2s_audio + audio_adc. */
  audioStack?: 'esp_adf';
  /** The esp_adf `board:` (required with audioStack esp_adf): one of ESP_ADF_BOARDS. */
  espAdfBoard?: EspAdfBoard;
}

export interface Board {
  id: string;
  name: string;
  chip: Chip;
  esphomeBoard: string;
  flashSize: string;
  cpuFrequency?: string;
  psram: { mode: 'none' | 'quad' | 'octal'; speed?: string };
  logger: { hardwareUart?: 'UART0' | 'UART1' | 'UART2' | 'USB_SERIAL_JTAG' | 'USB_CDC' };
  i2c?: { sda: number; scl: number };
  i2sBus: I2sBus;
  microphone: Microphone;
  speaker?: Speaker;
  led?: Led;
  button?: { pin: number; inverted?: boolean };
  fixedPins: FixedPin[];
  notes: string[];
  sources: string[];
  esphomeLines: Record<string, BoardLineOverride>;
  /** Where the board came from (file path), for messages. */
  file: string;
}

type Obj = Record<string, unknown>;

class Reader {
  constructor(readonly file: string) {}
  fail(field: string, message: string): never {
    throw new MwwError('input', message, { where: `${this.file}: ${field}` });
  }
  obj(v: unknown, field: string): Obj {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(field, `expected a mapping, found ${describe(v)}`);
    return v as Obj;
  }
  /**
   * A mapping with only the keys the schema declares. A misspelt key would otherwise be dropped silently and its
   * default used, so it is refused, as ESPHome refuses unknown keys in its own config. `field`: the mapping's path
   * ('' for the top level).
   */
  mapping(v: unknown, field: string, allowed: readonly string[]): Obj {
    const o = this.obj(v, field || '(top level)');
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.fail(field ? `${field}.${k}` : k, `unknown key '${k}' (allowed keys${field ? ` of ${field}` : ''}: ${allowed.join(', ')})`);
    }
    return o;
  }
  str(o: Obj, key: string, field: string, opts: { optional?: boolean; pattern?: RegExp; hint?: string } = {}): string {
    const v = o[key];
    if (v === undefined || v === null) {
      if (opts.optional) return undefined as unknown as string;
      this.fail(`${field}${key}`, 'is required');
    }
    if (typeof v !== 'string' || v.length === 0) this.fail(`${field}${key}`, `expected a non-empty string, found ${describe(v)}`);
    if (opts.pattern && !opts.pattern.test(v)) this.fail(`${field}${key}`, `'${v}' is not valid${opts.hint ? ` (${opts.hint})` : ''}`);
    return v;
  }
  oneOf<T extends string | number>(o: Obj, key: string, field: string, allowed: readonly T[], optional = false): T {
    const v = o[key];
    if (v === undefined || v === null) {
      if (optional) return undefined as unknown as T;
      this.fail(`${field}${key}`, `is required (one of ${allowed.join(', ')})`);
    }
    if (!allowed.includes(v as T)) this.fail(`${field}${key}`, `expected one of ${allowed.join(', ')}, found ${describe(v)}`);
    return v as T;
  }
  pin(o: Obj, key: string, field: string, optional = false): number {
    const v = o[key];
    if (v === undefined || v === null) {
      if (optional) return undefined as unknown as number;
      this.fail(`${field}${key}`, 'is required (a GPIO number)');
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.fail(`${field}${key}`, `expected a GPIO number, found ${describe(v)}`);
    return v;
  }
  int(o: Obj, key: string, field: string, min: number, max: number): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(`${field}${key}`, `expected an integer ${min}-${max}, found ${describe(v)}`);
    return v;
  }
  bool(o: Obj, key: string, field: string): boolean | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') this.fail(`${field}${key}`, `expected true or false, found ${describe(v)}`);
    return v;
  }
  strList(o: Obj, key: string, field: string): string[] {
    const v = o[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) this.fail(`${field}${key}`, 'expected a list of strings');
    return v as string[];
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** A board id: also its file name under boards/. */
export const BOARD_ID = /^[a-z0-9][a-z0-9-]*$/;

const BUS_KEYS = ['lrclk', 'bclk', 'mclk', 'mode'] as const;

function readBus(r: Reader, v: unknown, field: string): I2sBus {
  const o = r.mapping(v, field, BUS_KEYS);
  return {
    lrclk: r.pin(o, 'lrclk', `${field}.`),
    bclk: r.pin(o, 'bclk', `${field}.`, true),
    mclk: r.pin(o, 'mclk', `${field}.`, true),
    mode: r.oneOf(o, 'mode', `${field}.`, ['primary', 'secondary'] as const, true),
  };
}

const SWITCH_ID = /^[a-z][a-z0-9_]*$/;

function readFixedPins(r: Reader, v: unknown): FixedPin[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) r.fail('fixedPins', `expected a list, found ${describe(v)}`);
  return v.map((item, i) => {
    const field = `fixedPins[${i}].`;
    const o = r.mapping(item, `fixedPins[${i}]`, ['id', 'pin', 'level', 'withSpeaker', 'purpose']);
    return {
      id: r.str(o, 'id', field, { pattern: SWITCH_ID, hint: 'a C++ identifier in lowercase' }),
      pin: r.pin(o, 'pin', field),
      level: r.oneOf(o, 'level', field, ['high', 'low'] as const),
      withSpeaker: r.bool(o, 'withSpeaker', field),
      purpose: r.str(o, 'purpose', field),
    };
  });
}

/** Parse and validate a board description (already YAML-parsed). Throws MwwError naming file and field. */
export function parseBoard(raw: unknown, file: string): Board {
  const r = new Reader(file);
  const o = r.mapping(raw, '', [
    'id', 'name', 'chip', 'esphomeBoard', 'flashSize', 'cpuFrequency', 'psram', 'logger', 'i2c', 'i2sBus',
    'microphone', 'speaker', 'led', 'button', 'fixedPins', 'notes', 'sources', 'esphomeLines',
  ]);
  const id = r.str(o, 'id', '', { pattern: BOARD_ID, hint: 'lowercase letters, digits and -' });
  const chipRaw = o.chip;
  if (!isChip(chipRaw)) r.fail('chip', `expected one of ${Object.keys(CHIPS).join(', ')}, found ${describe(chipRaw)}`);
  const psramO = r.mapping(o.psram ?? { mode: 'none' }, 'psram', ['mode', 'speed']);
  const loggerO = r.mapping(o.logger ?? {}, 'logger', ['hardwareUart']);
  const micO = r.mapping(o.microphone, 'microphone', [
    'type', 'din', 'adcType', 'channel', 'bitsPerSample', 'sampleRate', 'adc', 'wakeWordChannel', 'assistantChannel', 'gainFactor',
  ]);
  const adc = micO.adc === undefined ? undefined : { platform: r.str(r.mapping(micO.adc, 'microphone.adc', ['platform']), 'platform', 'microphone.adc.') };
  const board: Board = {
    id,
    name: r.str(o, 'name', ''),
    chip: chipRaw as Chip,
    esphomeBoard: r.str(o, 'esphomeBoard', '', { pattern: /^[A-Za-z0-9_.-]+$/ }),
    flashSize: r.oneOf(o, 'flashSize', '', ['2MB', '4MB', '8MB', '16MB', '32MB'] as const),
    cpuFrequency: r.oneOf(o, 'cpuFrequency', '', ['80MHz', '160MHz', '240MHz'] as const, true),
    psram: {
      mode: r.oneOf(psramO, 'mode', 'psram.', ['none', 'quad', 'octal'] as const),
      speed: r.oneOf(psramO, 'speed', 'psram.', ['40MHz', '80MHz', '120MHz'] as const, true),
    },
    logger: { hardwareUart: r.oneOf(loggerO, 'hardwareUart', 'logger.', ['UART0', 'UART1', 'UART2', 'USB_SERIAL_JTAG', 'USB_CDC'] as const, true) },
    i2c: o.i2c === undefined ? undefined : (() => {
      const i = r.mapping(o.i2c, 'i2c', ['sda', 'scl']);
      return { sda: r.pin(i, 'sda', 'i2c.'), scl: r.pin(i, 'scl', 'i2c.') };
    })(),
    i2sBus: readBus(r, o.i2sBus, 'i2sBus'),
    microphone: {
      type: r.oneOf(micO, 'type', 'microphone.', ['i2s', 'pdm'] as const),
      din: r.pin(micO, 'din', 'microphone.'),
      adcType: r.oneOf(micO, 'adcType', 'microphone.', ['external', 'internal'] as const),
      channel: r.oneOf(micO, 'channel', 'microphone.', ['left', 'right', 'stereo'] as const),
      bitsPerSample: r.oneOf(micO, 'bitsPerSample', 'microphone.', [16, 32] as const),
      sampleRate: r.oneOf(micO, 'sampleRate', 'microphone.', [16000] as const),
      adc,
      // microphone_source_schema: channels 0-7, gain_factor 1-64 (esphome/components/microphone/__init__.py).
      wakeWordChannel: r.int(micO, 'wakeWordChannel', 'microphone.', 0, 7),
      assistantChannel: r.int(micO, 'assistantChannel', 'microphone.', 0, 7),
      gainFactor: r.int(micO, 'gainFactor', 'microphone.', 1, 64),
    },
    speaker: o.speaker === undefined ? undefined : (() => {
      const s = r.mapping(o.speaker, 'speaker', ['bus', 'dout', 'dacType', 'dac', 'sampleRate', 'bitsPerSample', 'channel']);
      return {
        bus: s.bus === undefined ? undefined : readBus(r, s.bus, 'speaker.bus'),
        dout: r.pin(s, 'dout', 'speaker.'),
        dacType: r.oneOf(s, 'dacType', 'speaker.', ['external', 'internal'] as const),
        dac: s.dac === undefined ? undefined : { platform: r.str(r.mapping(s.dac, 'speaker.dac', ['platform']), 'platform', 'speaker.dac.') },
        sampleRate: r.int(s, 'sampleRate', 'speaker.', 8000, 96000),
        bitsPerSample: r.oneOf(s, 'bitsPerSample', 'speaker.', [16, 32] as const, true),
        channel: r.oneOf(s, 'channel', 'speaker.', ['left', 'right', 'stereo'] as const, true),
      };
    })(),
    led: o.led === undefined ? undefined : (() => {
      const l = r.mapping(o.led, 'led', ['pin', 'chipset', 'numLeds', 'rgbOrder', 'kind', 'inverted']);
      return {
        pin: r.pin(l, 'pin', 'led.'),
        chipset: r.str(l, 'chipset', 'led.', { optional: true, pattern: /^[A-Za-z0-9_]+$/ }),
        numLeds: l.numLeds === undefined ? undefined : Math.max(1, r.pin(l, 'numLeds', 'led.')),
        rgbOrder: r.oneOf(l, 'rgbOrder', 'led.', ['RGB', 'RBG', 'GRB', 'GBR', 'BRG', 'BGR'] as const, true),
        kind: r.oneOf(l, 'kind', 'led.', ['gpio', 'addressable'] as const, true),
        inverted: r.bool(l, 'inverted', 'led.'),
      };
    })(),
    button: o.button === undefined ? undefined : (() => {
      const b = r.mapping(o.button, 'button', ['pin', 'inverted']);
      return { pin: r.pin(b, 'pin', 'button.'), inverted: r.bool(b, 'inverted', 'button.') };
    })(),
    fixedPins: readFixedPins(r, o.fixedPins),
    notes: r.strList(o, 'notes', ''),
    sources: r.strList(o, 'sources', ''),
    esphomeLines: {},
    file,
  };
  const lines = r.mapping(o.esphomeLines ?? {}, 'esphomeLines', Object.keys(ESPHOME_LINES));
  for (const [line, v] of Object.entries(lines)) {
    const field = `esphomeLines.${line}`;
    const lo = r.mapping(v, field, ['unsupported', 'audioStack', 'espAdfBoard']);
    const audioStack = r.oneOf(lo, 'audioStack', `${field}.`, ['esp_adf'] as const, true);
    const adfBoards = Object.keys(ESP_ADF_BOARDS) as EspAdfBoard[];
    let espAdfBoard: EspAdfBoard | undefined;
    if (audioStack === 'esp_adf') {
      espAdfBoard = r.oneOf(lo, 'espAdfBoard', `${field}.`, adfBoards);
      const adfChip = ESP_ADF_BOARDS[espAdfBoard].chip;
      if (adfChip !== board.chip) r.fail(`${field}.espAdfBoard`, `${espAdfBoard} is an ${CHIPS[adfChip].label} board, but this board's chip is ${CHIPS[board.chip].label}`);
    } else if (lo.espAdfBoard !== undefined) {
      r.fail(`${field}.espAdfBoard`, 'only applies with audioStack: esp_adf');
    }
    board.esphomeLines[line] = { unsupported: r.str(lo, 'unsupported', `${field}.`, { optional: true }), audioStack, espAdfBoard };
  }
  checkBoardHardware(board);
  return board;
}

/** One use of a GPIO by the board, for the conflict checks. */
export interface PinUse {
  pin: number;
  field: string;
  output: boolean;
}

export function pinUses(b: Board): PinUse[] {
  const uses: PinUse[] = [];
  const busUses = (bus: I2sBus, prefix: string): void => {
    const clocksOut = bus.mode !== 'secondary';
    uses.push({ pin: bus.lrclk, field: `${prefix}.lrclk`, output: clocksOut });
    if (bus.bclk !== undefined) uses.push({ pin: bus.bclk, field: `${prefix}.bclk`, output: clocksOut });
    if (bus.mclk !== undefined) uses.push({ pin: bus.mclk, field: `${prefix}.mclk`, output: true });
  };
  busUses(b.i2sBus, 'i2sBus');
  uses.push({ pin: b.microphone.din, field: 'microphone.din', output: false });
  if (b.speaker) {
    if (b.speaker.bus) busUses(b.speaker.bus, 'speaker.bus');
    uses.push({ pin: b.speaker.dout, field: 'speaker.dout', output: true });
  }
  // I2C lines are open-drain and driven low by the master: they need output capability.
  if (b.i2c) uses.push({ pin: b.i2c.sda, field: 'i2c.sda', output: true }, { pin: b.i2c.scl, field: 'i2c.scl', output: true });
  if (b.led) uses.push({ pin: b.led.pin, field: 'led.pin', output: true });
  if (b.button) uses.push({ pin: b.button.pin, field: 'button.pin', output: false });
  b.fixedPins.forEach((f, i) => uses.push({ pin: f.pin, field: `fixedPins[${i}].pin`, output: true }));
  return uses;
}

/**
 * Hardware rules a board file must follow: GPIOs that exist on the chip, not taken by flash or PSRAM, not used
 * twice, outputs not on input-only pins, PDM only where the microphone path can do it. (Both supported chips
 * receive PDM on I2S0, ESPHome's PDM_VARIANTS; what can rule PDM out is the board's own wiring.)
 */
export function checkBoardHardware(b: Board): void {
  const chip = CHIPS[b.chip];
  const fail = (field: string, msg: string): never => {
    throw new MwwError('input', msg, { where: `${b.file}: ${field}` });
  };
  const seen = new Map<number, string>();
  for (const u of pinUses(b)) {
    if (!chip.gpios.has(u.pin)) fail(u.field, `GPIO${u.pin} does not exist on ${chip.label}`);
    if (chip.flashPins.has(u.pin)) fail(u.field, `GPIO${u.pin} is connected to the SPI flash on ${chip.label} and cannot be used`);
    if (b.psram.mode !== 'none' && chip.psramPins(b.psram.mode).has(u.pin)) {
      fail(u.field, `GPIO${u.pin} is taken by the ${b.psram.mode} PSRAM on ${chip.label} and cannot be used`);
    }
    if (u.output && chip.inputOnly.has(u.pin)) fail(u.field, `GPIO${u.pin} is input-only on ${chip.label} and cannot drive ${u.field}`);
    const prev = seen.get(u.pin);
    if (prev !== undefined) fail(u.field, `GPIO${u.pin} is used twice: by ${prev} and by ${u.field}`);
    seen.set(u.pin, u.field);
  }
  const uart = b.logger.hardwareUart;
  if (uart !== undefined && !chip.loggerUarts.includes(uart)) {
    fail('logger.hardwareUart', `${uart} is not a logger port of ${chip.label} (one of ${chip.loggerUarts.join(', ')})`);
  }
  if (b.psram.mode === 'octal' && !chip.octalPsram) fail('psram.mode', `${chip.label} has no octal PSRAM mode`);
  if (b.microphone.adcType === 'internal') {
    // ESPHome's internal-ADC microphone reads an analog pin (adc_pin, no i2s_din_pin and no pdm) and exists only on
    // the original ESP32 (INTERNAL_ADC_VARIANTS); mww's templates write I2S/PDM microphones on i2s_din_pin.
    fail('microphone.adcType', `internal (the ${chip.label}'s built-in ADC on an analog pin) is not supported: mww generates I2S or PDM microphones on a data pin (adcType: external)`);
  }
  if (b.speaker?.dacType === 'internal') {
    // Likewise the internal DAC speaker drives analog pins (no i2s_dout_pin); the templates write I2S speakers.
    fail('speaker.dacType', `internal (the ${chip.label}'s built-in DAC) is not supported: mww generates I2S speakers on a data pin (dacType: external)`);
  }
  if (b.microphone.type === 'pdm') {
    if (b.microphone.adc) {
      fail('microphone.type', `PDM is not possible with the ${b.microphone.adc.platform} codec: it delivers standard I2S, so use type: i2s`);
    }
    if (b.i2sBus.mode === 'secondary') fail('microphone.type', 'PDM needs the ESP32 to drive the PDM clock; a secondary-mode bus cannot do PDM');
  } else if (b.i2sBus.bclk === undefined) {
    fail('i2sBus.bclk', 'a standard I2S microphone needs a bit clock (bclk)');
  }
  if (b.microphone.adc && !b.i2c) fail('i2c', `the ${b.microphone.adc.platform} codec is configured over I2C: add i2c sda/scl`);
  if (b.speaker?.dac && !b.i2c) fail('i2c', `the ${b.speaker.dac.platform} codec is configured over I2C: add i2c sda/scl`);
}
