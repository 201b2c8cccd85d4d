import { MicroFrontend } from './frontend.js';

export { MicroFrontend } from './frontend.js';
export { ESPHOME_FRONTEND_CONFIG, type FrontendConfig } from './config.js';

/**
 * ESPHome's uint16 → int8 feature conversion (it ignores the model's input quantization):
 * v8 = (v16·256 + 333) / 666 − 128 with C integer division (all operands non-negative, so floor),
 * clamped to [−128, 127].
 */
export function toEsphomeInt8(u16: Uint16Array): Int8Array {
  const out = new Int8Array(u16.length);
  for (let i = 0; i < u16.length; i++) {
    const v = Math.floor((u16[i]! * 256 + 333) / 666) - 128;
    out[i] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
  return out;
}

/**
 * Run the frontend over a whole recording the way the device does: one step (160 samples) per call, each
 * call yielding 0 or 1 slice. A trailing partial step cannot complete a window, so it is not fed.
 * Returns the uint16 slices, their int8 conversion (40 values per slice each) and the slice count.
 */
export function computeFeatures(samples: Int16Array, frontend: MicroFrontend = new MicroFrontend()): { u16: Uint16Array; i8: Int8Array; slices: number } {
  const step = frontend.stepSamples;
  const channels = frontend.numChannels;
  const steps = Math.floor(samples.length / step);
  const u16 = new Uint16Array(Math.max(0, steps) * channels);
  let slices = 0;
  for (let s = 0; s < steps; s++) {
    const out = frontend.process(samples.subarray(s * step, (s + 1) * step));
    if (out) {
      u16.set(out, slices * channels);
      slices++;
    }
  }
  const trimmed = u16.slice(0, slices * channels);
  return { u16: trimmed, i8: toEsphomeInt8(trimmed), slices };
}
