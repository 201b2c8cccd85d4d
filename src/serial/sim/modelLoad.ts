import { readModel } from '../../tflite/reader.js';
import { DEFAULT_ESP_NN, arenaAt, type EspNnVersion } from '../../micro/arena/index.js';
import type { ModelLoadCheck } from './boot.js';

/**
 * The virtual board's micro_wake_word: parse the embedded .tflite and ask the arena calculator whether
 * AllocateTensors succeeds in the configured tensor_arena_size on this chip (and esp-nn version, which changes
 * the ESP32-S3 scratch buffers). Failure carries TFLM's requested/available numbers.
 */
export function arenaLoadCheck(espNn: EspNnVersion = DEFAULT_ESP_NN): ModelLoadCheck {
  return (bytes, arena, chip) => {
    let model;
    try {
      model = readModel(bytes, 'embedded model');
    } catch (e) {
      return { ok: false, invalid: (e as Error).message };
    }
    const r = arenaAt(model, { chip: chip.id, espNn }, arena);
    return r.ok ? { ok: true } : { ok: false, requested: r.requested, available: r.available };
  };
}
