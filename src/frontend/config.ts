/**
 * Configuration of the TFLM micro frontend (`tensorflow/lite/experimental/microfrontend/lib`), field for field
 * the C `FrontendConfig`. Floating-point fields are C `float`s: the table-building code rounds them with
 * Math.fround exactly where the C does float arithmetic, so the integer tables come out identical.
 */
export interface FrontendConfig {
  sampleRate: number;
  window: { sizeMs: number; stepSizeMs: number };
  filterbank: { numChannels: number; lowerBandLimit: number; upperBandLimit: number };
  noiseReduction: { smoothingBits: number; evenSmoothing: number; oddSmoothing: number; minSignalRemaining: number };
  pcanGainControl: { enable: boolean; strength: number; offset: number; gainBits: number };
  logScale: { enable: boolean; scaleShift: number };
}

/**
 * The frontend as ESPHome's micro_wake_word configures it (and as microWakeWord trains with):
 * 40 channels, 30 ms window, 10 ms step, 125–7500 Hz, noise reduction, PCAN and log scale on, 16 kHz.
 */
export const ESPHOME_FRONTEND_CONFIG: Readonly<FrontendConfig> = Object.freeze({
  sampleRate: 16000,
  window: { sizeMs: 30, stepSizeMs: 10 },
  filterbank: { numChannels: 40, lowerBandLimit: 125.0, upperBandLimit: 7500.0 },
  noiseReduction: { smoothingBits: 10, evenSmoothing: 0.025, oddSmoothing: 0.06, minSignalRemaining: 0.05 },
  pcanGainControl: { enable: true, strength: 0.95, offset: 80.0, gainBits: 21 },
  logScale: { enable: true, scaleShift: 6 },
});

/** Most significant bit position, 1-based (0 for 0): the C `MostSignificantBit32`. */
export function msb32(n: number): number {
  return 32 - Math.clz32(n);
}
