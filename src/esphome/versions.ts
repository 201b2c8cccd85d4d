import { MwwError } from '../errors.js';
import type { Board } from './board-schema.js';
import type { EspNnVersion } from '../micro/arena/targets.js';


/**
 * An ESPHome release line mww generates configs for. Configs that validate on one line are rejected by the
 * other (see ../shared/docs/esphome-contract.md), so every version-dependent choice is a flag here, not an
 * `if` on a version string in the templates.
 */
export interface EsphomeLine {
  id: '2024.11' | '2025.11';
  /** The version written into the identity line and `min_version`. */
  version: string;
  /**
   * ESP-NN versions a build on this line may link. 2024.11 pins esp-nn v1.1.0 (same scratch sizes as 1.1.2);
   * the 2025 lines float `^1.1.0`, so a fresh build can resolve to 1.1.x or any 1.2.x: the arena is sized
   * for the worst of them.
   */
  espNn: EspNnVersion[];
  /** `esp32: cpu_frequency:` exists. */
  cpuFrequency: boolean;
  /** `media_player: platform: speaker` exists (voice_assistant plays replies through it). */
  mediaPlayerSpeaker: boolean;
  /** `audio_adc` / `audio_dac` components exist. */
  audioAdcDac: boolean;
  /**
   * micro_wake_word and voice_assistant take a microphone *source* (`microphone: {microphone: id, channels: [n],
   * gain_factor: g}`, also accepted as a bare id) instead of a microphone id. Introduced by ESPHome PR #8645
   * (2025.5); 2024.11's micro_wake_word has `cv.GenerateID(CONF_MICROPHONE): cv.use_id(microphone.Microphone)`,
   * so it cannot pick one channel of a stereo microphone.
   */
  microphoneSource: boolean;
  /** micro_wake_word `models:` entries accept `id:` (declare_id(WakeWordModel)); 2024.11's MODEL_SCHEMA has no id. */
  modelIds: boolean;
  /**
   * `MicroWakeWord::get_wake_words()` exists (ESPHome 2025.2+). The mww_hil test mode reads each model's output
   * through it (firmware/components/mww_hil/README.md), so `mww build --hil` needs it.
   */
  wakeWordsApi: boolean;
  /**
   * micro_wake_word's `stop_after_detection` option (default true) exists (ESPHome PR #8655, 2025.5). Test
   * builds set it false so one recording runs to its end through every detection.
   */
  stopAfterDetection: boolean;
}

export const ESPHOME_LINES: Record<EsphomeLine['id'], EsphomeLine> = {
  '2024.11': {
    id: '2024.11',
    version: '2024.11.0',
    espNn: ['1.1.2'],
    cpuFrequency: false,
    mediaPlayerSpeaker: false,
    audioAdcDac: false,
    microphoneSource: false,
    modelIds: false,
    wakeWordsApi: false,
    stopAfterDetection: false,
  },
  '2025.11': {
    id: '2025.11',
    version: '2025.11.0',
    espNn: ['1.1.2', '1.2.1', '1.2.3'],
    cpuFrequency: true,
    mediaPlayerSpeaker: true,
    audioAdcDac: true,
    microphoneSource: true,
    modelIds: true,
    wakeWordsApi: true,
    stopAfterDetection: true,
  },
};

/** The current stable line: what `--esphome-version` defaults to. */
export const DEFAULT_LINE: EsphomeLine['id'] = '2025.11';

/** Accepts a line ("2025.11") or a release of it ("2025.11.2"). */
export function resolveLine(v: string | undefined): EsphomeLine {
  const s = (v ?? DEFAULT_LINE).trim();
  const m = /^(\d{4})\.(\d{1,2})(?:\.(\d+))?$/.exec(s);
  const key = m ? `${m[1]}.${Number(m[2])}` : s;
  const line = (ESPHOME_LINES as Record<string, EsphomeLine>)[key];
  if (!line) {
    throw new MwwError('usage', `ESPHome version '${s}' is not supported: mww generates configs for the ${Object.keys(ESPHOME_LINES).join(' and ')} lines (give e.g. --esphome-version ${DEFAULT_LINE})`);
  }
  return line;
}

/** Why `board` cannot be generated for `line`, or undefined when it can. */
export function boardLineProblem(board: Board, line: EsphomeLine): string | undefined {
  const o = board.esphomeLines[line.id];
  if (o?.unsupported) return o.unsupported;
  const needsCodec = board.microphone.adc !== undefined || board.speaker?.dac !== undefined;
  if (needsCodec && !line.audioAdcDac && o?.audioStack !== 'esp_adf') {
    return `its codecs need audio_adc/audio_dac, which ESPHome ${line.id} does not have`;
  }
  const mic = board.microphone;
  if (!line.microphoneSource && (mic.channel === 'stereo' || mic.wakeWordChannel !== undefined || mic.gainFactor !== undefined)) {
    return `micro_wake_word on ESPHome ${line.id} takes the microphone directly and cannot select one channel of its stereo stream`;
  }
  return undefined;
}
