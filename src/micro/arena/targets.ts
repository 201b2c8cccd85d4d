/**
 * The device targets the arena calculator knows: chip × esp-nn version, all on esp-tflite-micro 1.3.3.1
 * (upstream TFLM 10ebaab9), the runtime ESPHome pins since 2025-06.
 */
import { MwwError } from '../../errors.js';

export type Chip = 'esp32' | 'esp32s3';
export type EspNnVersion = '1.1.2' | '1.2.1' | '1.2.3';

export interface ArenaTarget {
  chip: Chip;
  espNn: EspNnVersion;
}

export const CHIPS: readonly Chip[] = ['esp32', 'esp32s3'];
export const ESP_NN_VERSIONS: readonly EspNnVersion[] = ['1.1.2', '1.2.1', '1.2.3'];

/** The esp-nn version ESPHome pins since 2026-04. */
export const DEFAULT_ESP_NN: EspNnVersion = '1.1.2';

/** The runtime every figure is computed for. */
export const RUNTIME = 'esp-tflite-micro 1.3.3.1 (upstream TFLM 10ebaab9)';

/**
 * Every supported target. ESP32 requests no esp-nn scratch in any esp-nn version, so one entry stands for all
 * of them (it carries the default version).
 */
export const SUPPORTED_TARGETS: readonly ArenaTarget[] = Object.freeze([
  { chip: 'esp32', espNn: DEFAULT_ESP_NN },
  { chip: 'esp32s3', espNn: '1.1.2' },
  { chip: 'esp32s3', espNn: '1.2.1' },
  { chip: 'esp32s3', espNn: '1.2.3' },
] satisfies ArenaTarget[]);

export function isChip(s: string): s is Chip {
  return (CHIPS as readonly string[]).includes(s);
}

export function isEspNnVersion(s: string): s is EspNnVersion {
  return (ESP_NN_VERSIONS as readonly string[]).includes(s);
}

/** Builds a target from user text (CLI flags), with specific errors for unknown values. */
export function parseTarget(chip: string, espNn: string = DEFAULT_ESP_NN): ArenaTarget {
  if (!isChip(chip)) {
    throw new MwwError('usage', `unknown target chip "${chip}"; supported: ${CHIPS.join(', ')}`, {
      details: { expected: CHIPS, found: chip },
    });
  }
  if (!isEspNnVersion(espNn)) {
    throw new MwwError('usage', `unknown esp-nn version "${espNn}"; supported: ${ESP_NN_VERSIONS.join(', ')}`, {
      details: { expected: ESP_NN_VERSIONS, found: espNn },
    });
  }
  return { chip, espNn };
}

export function targetLabel(t: ArenaTarget): string {
  return t.chip === 'esp32' ? 'esp32' : `${t.chip} (esp-nn ${t.espNn})`;
}
