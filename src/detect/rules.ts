/**
 * The constants and threshold arithmetic of ESPHome's micro_wake_word decision rule, per ESPHome version.
 * Read from esphome/components/micro_wake_word (micro_wake_word.cpp, streaming_model.cpp) at 2024.11 and
 * 2025.x; see docs/esphome-contract.md ("Detection").
 */

/** ESPHome generations whose decision rules differ. '2024.11' covers 2024.7–2024.12, '2025' covers 2025.2 and later. */
export type EsphomeRule = '2024.11' | '2025';

/**
 * Feature slices that must be processed after a start (or a detection) before a detection is accepted
 * (`MIN_SLICES_BEFORE_DETECTION`, 74 in both generations). Counted in slices, not invokes: a model with
 * stride 3 consumes 3 slices per invoke.
 */
export const MIN_SLICES_BEFORE_DETECTION = 74;

/** Used with a bare .tflite that has no manifest beside it, and for new manifests (the official models' values). */
export const DEFAULT_CUTOFF = 0.97;
export const DEFAULT_WINDOW = 5;

/** The feature step ESPHome models are trained with (manifest `feature_step_size`), in milliseconds. */
export const DEFAULT_FEATURE_STEP_MS = 10;

/**
 * 2025+: the manifest's float cutoff is stored as uint8 by the YAML code generator with Python's
 * `int(cutoff * 255)` — truncation, not rounding (0.97 → 247, 0.5 → 127).
 */
export function quantizeCutoff(cutoff: number): number {
  return Math.trunc(cutoff * 255);
}

/**
 * 2024.11: `static_cast<float>(sum) / static_cast<float>(255 * window) > probability_cutoff_` in float32.
 * A float32 division of two exactly representable integers equals the double quotient rounded once to float32
 * (double has more than 2·24+2 bits, so there is no double-rounding error), hence Math.fround.
 */
export function windowAverageF32(sum: number, window: number): number {
  return Math.fround(Math.fround(sum) / Math.fround(255 * window));
}

export function exceedsCutoff2024(sum: number, window: number, cutoff: number): boolean {
  return windowAverageF32(sum, window) > Math.fround(cutoff);
}

/** 2025+: integer comparison `sum > cutoff_u8 * window`. */
export function exceedsCutoff2025(sum: number, window: number, cutoffU8: number): boolean {
  return sum > cutoffU8 * window;
}

/** Accepts "2024.11" (or "2024") and "2025" (or any later "YYYY[.M[.P]]"); undefined for anything else. */
export function parseEsphomeRule(value: string): EsphomeRule | undefined {
  if (value === "2024.11" || value === "2024") return "2024.11";
  if (/^20(2[5-9]|[3-9]\d)(\.\d+){0,2}$/.test(value)) return "2025";
  return undefined;
}
