import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { PACKAGE_ROOT, MWW_VERSION } from '../version.js';
import { ESP_ADF_BOARDS, type Board, type I2sBus } from './board-schema.js';
import type { EsphomeLine } from './versions.js';
import { asciiJson, yamlString } from './names.js';

export const TEMPLATES_DIR = path.join(PACKAGE_ROOT, 'templates', 'esphome');

/** One model as it goes into the project: files under models/ and its identity entry. */
export interface ProjectModel {
  id: string;
  wakeWord: string;
  sha256: string;
  arena: number;
  /** Relative path of the manifest in the project, e.g. models/okay_nabu.json. */
  manifestFile: string;
}

export interface SecretNames {
  wifiSsid: string;
  wifiPassword: string;
  apiKey: string;
  otaPassword: string;
}

export const DEFAULT_SECRETS: SecretNames = {
  wifiSsid: 'wifi_ssid',
  wifiPassword: 'wifi_password',
  apiKey: 'api_encryption_key',
  otaPassword: 'ota_password',
};

export interface RenderInput {
  name: string;
  friendlyName: string;
  board: Board;
  line: EsphomeLine;
  models: ProjectModel[];
  vad?: ProjectModel;
  voiceAssistant: boolean;
  secrets: SecretNames;
  untrained: boolean;
  /** Test-mode build: mww_hil feeds micro_wake_word from the logger's UART (firmware/components/mww_hil/README.md). */
  hil?: { baudRate: number; uartNum: number };
}

/** The identity object logged at boot (docs/device-log.md), models in YAML order, VAD last. */
export function identityOf(input: RenderInput): Record<string, unknown> {
  const all = input.vad ? [...input.models, input.vad] : input.models;
  return {
    v: 1,
    mww: MWW_VERSION,
    chip: input.board.chip,
    esphome: input.line.version,
    models: all.map((m) => ({ id: m.id, wakeWord: m.wakeWord, sha256: m.sha256, arena: m.arena })),
  };
}

let compiled: { device: HandlebarsTemplateDelegate; secrets: HandlebarsTemplateDelegate } | undefined;

function templates(): NonNullable<typeof compiled> {
  if (!compiled) {
    // noEscape: values are made safe for YAML in the view model below, HTML escaping would corrupt them.
    const load = (f: string): HandlebarsTemplateDelegate =>
      Handlebars.compile(readFileSync(path.join(TEMPLATES_DIR, f), 'utf8'), { noEscape: true, strict: false });
    compiled = { device: load('device.yaml.hbs'), secrets: load('secrets.yaml.hbs') };
  }
  return compiled;
}

const oneLine = (s: string): string => s.replace(/[\r\n\u2028\u2029]+/g, ' ');

/** The ESPHome config YAML for the project. Every user-derived string is escaped here, never in the template. */
export function renderDeviceYaml(input: RenderInput): string {
  const { board, line } = input;
  const override = board.esphomeLines[line.id] ?? {};
  // esp_adf: the board's ADF board (parseBoard requires one of ESP_ADF_BOARDS) and what the framework needs for it.
  const espAdf = override.audioStack === 'esp_adf' && override.espAdfBoard ? { board: override.espAdfBoard, ...ESP_ADF_BOARDS[override.espAdfBoard] } : undefined;
  const speakerWanted = input.voiceAssistant && board.speaker !== undefined;
  const speakerBus: I2sBus | undefined = speakerWanted ? board.speaker?.bus : undefined;
  const view = {
    mwwVersion: MWW_VERSION,
    board: { id: board.id, name: oneLine(board.name), esphomeBoard: board.esphomeBoard, flashSize: board.flashSize },
    boardNotes: board.notes.map(oneLine),
    line,
    untrained: input.untrained,
    nameYaml: yamlString(input.name),
    friendlyNameYaml: yamlString(input.friendlyName),
    minVersionYaml: yamlString(line.version),
    cpuFrequency: line.cpuFrequency ? board.cpuFrequency : undefined,
    psram: board.psram.mode === 'none' ? undefined : board.psram,
    // Test mode: the HIL frames travel on the logger's UART, which must then be a hardware UART (UART0).
    loggerUart: input.hil ? `UART${input.hil.uartNum}` : board.logger.hardwareUart,
    hil: input.hil ? { ...input.hil, stopAfterDetection: line.stopAfterDetection } : undefined,
    secrets: input.secrets,
    espAdf,
    identityYaml: yamlString(asciiJson(identityOf(input))),
    i2c: board.i2c,
    micBus: board.i2sBus,
    speakerBus,
    adc: board.microphone.adc,
    mic: {
      din: board.microphone.din,
      adcType: board.microphone.adcType,
      pdm: board.microphone.type === 'pdm',
      channel: board.microphone.channel,
      bitsPerSample: board.microphone.bitsPerSample,
      sampleRate: board.microphone.sampleRate,
      secondary: board.i2sBus.mode === 'secondary',
    },
    speaker: speakerWanted && board.speaker
      ? {
          dout: board.speaker.dout,
          dacType: board.speaker.dacType,
          dac: board.speaker.dac?.platform,
          busId: speakerBus ? 'i2s_speaker_bus' : 'i2s_mic_bus',
          secondary: (speakerBus ?? board.i2sBus).mode === 'secondary',
          sampleRate: board.speaker.sampleRate,
          bitsPerSample: board.speaker.bitsPerSample,
          channel: board.speaker.channel,
        }
      : undefined,
    fixedPins: board.fixedPins
      .filter((f) => !f.withSpeaker || speakerWanted)
      .map((f) => ({ id: f.id, pin: f.pin, restoreMode: f.level === 'high' ? 'ALWAYS_ON' : 'ALWAYS_OFF', purpose: oneLine(f.purpose) })),
    mediaPlayer: speakerWanted && line.mediaPlayerSpeaker,
    modelIds: line.modelIds,
    models: input.models.map((m) => ({ id: m.id, fileYaml: yamlString(m.manifestFile) })),
    vad: input.vad ? { fileYaml: yamlString(input.vad.manifestFile) } : undefined,
    voiceAssistant: input.voiceAssistant,
    // 2025+: a microphone source mapping, so each consumer gets its channel (and gain) of the microphone stream.
    micSource: line.microphoneSource
      ? {
          wakeWord: { channel: board.microphone.wakeWordChannel ?? 0, gain: board.microphone.gainFactor },
          assistant: { channel: board.microphone.assistantChannel ?? 0, gain: board.microphone.gainFactor },
        }
      : undefined,
  };
  return templates().device(view);
}

export function renderSecretsYaml(input: Pick<RenderInput, 'friendlyName' | 'secrets'>, random: { apiKey: string; otaPassword: string }): string {
  return templates().secrets({ friendlyNameComment: oneLine(input.friendlyName), secrets: input.secrets, ...random });
}
