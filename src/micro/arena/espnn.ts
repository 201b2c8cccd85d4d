/**
 * ESP-NN scratch-buffer sizes, as esp-nn's `esp_nn_get_conv_scratch_size` /
 * `esp_nn_get_depthwise_conv_scratch_size` return them (facts: ../shared/docs/arena.md). The esp-tflite-micro
 * CONV_2D and DEPTHWISE_CONV_2D kernels request exactly this many bytes with RequestScratchBufferInArena when it
 * is > 0. Only ESP32-S3 has its own scratch functions; ESP32 (ansi kernels) returns 0 in every esp-nn version.
 */
import type { ArenaTarget } from './targets.js';

/** Geometry of a convolution as the esp-nn kernels see it (NHWC, batch 1). */
export interface ConvGeometry {
  /** input width, height, channels */
  inW: number;
  inH: number;
  inC: number;
  /** filter width, height */
  kW: number;
  kH: number;
  /** output width, height, channels */
  outW: number;
  outH: number;
  outC: number;
  strideW: number;
  strideH: number;
  /** TFLM's computed padding (the smaller half of the total), as passed to esp-nn */
  padW: number;
  padH: number;
  /** DEPTHWISE only */
  depthMultiplier: number;
}

const r8 = (x: number): number => (x + 7) & ~7;
const r16 = (x: number): number => (x + 15) & ~15;

/** esp-nn version as a comparable number: 1.2.1 → 10201. */
function vnum(v: string): number {
  const [a = 0, b = 0, c = 0] = v.split('.').map(Number);
  return a * 10000 + b * 100 + c;
}

/** Alignment slack esp-nn adds to its S3 conv buffers: 32 bytes, 64 from esp-nn 1.2.3. */
function alignSlack(espNn: string): number {
  return vnum(espNn) >= vnum('1.2.3') ? 64 : 32;
}

export function convScratchBytes(g: ConvGeometry, target: ArenaTarget): number {
  if (target.chip !== 'esp32s3') return 0;
  const { inW: W, inH: H, inC: C, kW, kH, outW: OW, outH: OH, outC: OC, strideW: sW, strideH: sH, padW: pW, padH: pH } = g;
  const A = alignSlack(target.espNn);
  const padded = pW !== 0 || pH !== 0;
  if (kW === 1 && kH === 1 && !padded && sW === 1 && sH === 1) {
    return (C % 8 ? W * H * r8(C) : 0) + r8(C) * OC + (W * H < 8 ? 0 : 16 * r8(C)) + A;
  }
  if (vnum(target.espNn) < vnum('1.2.1')) {
    return (padded ? (W + 2 * pW) * (H + 2 * pH) * C : 0) + kW * kH * r16(C) * OC + 32 + 4 * OC;
  }
  if (kW * C < 16 && kW * kH * C >= 16) {
    return 4 * OC + 16 + OC * r16(kW * kH * C) + 16 + r16(kW * kH * C) + A;
  }
  const pr = Math.max(0, OW * sW + kW - 1 - W);
  const pb = Math.max(0, OH * sH + kH - 1 - H);
  return (
    (padded ? (W + 2 * pW) * (H + 2 * pH) * C : 0) +
    kW * kH * r16(C) * OC +
    r16(kW * C) * kH * OC +
    (pr > 0 || pb > 0 ? (W + pr) * (H + pb) * C : 0) +
    A +
    4 * OC
  );
}

export function depthwiseScratchBytes(g: ConvGeometry, target: ArenaTarget): number {
  if (target.chip !== 'esp32s3') return 0;
  const { inW: W, inH: H, inC: C, kW, kH, outW: OW, outH: OH, padW: pW, padH: pH, depthMultiplier: mult } = g;
  const fs = kW * kH * C * mult;
  const is3x3 = kW === 3 && kH === 3;
  // Padded input extent (both sides) for the 3×3 paths.
  const padWd = 2 * pW;
  const padHt = 2 * pH;
  const v = vnum(target.espNn);
  if (v < vnum('1.2.1')) {
    const tail = v >= vnum('1.2.0') ? 32 : 16;
    if (mult === 1 && C % 8 === 0 && is3x3) {
      return C % 16 === 0 ? fs + (W + padWd) * (H + padHt) * C + tail : 2 * (fs + W * H * C) + tail;
    }
    if (mult % 4 === 0) return 2 * (fs + W * H * C) + tail;
    return 32;
  }
  if (mult === 1 && C % 8 === 0) {
    if (is3x3 && C % 16 === 0) return fs + (W + padWd) * (H + padHt) * C + 16;
    if (is3x3 && C >= 12) return 9 * r16(C) + (W + padWd) * (H + padHt) * r16(C) + OW * OH * r16(C) + 64;
    return 2 * (fs + W * H * C) + 32;
  }
  if (mult === 1 && C > 3) {
    const pc = r8(C);
    return r16(r16(r16(2 * kW * kH * pc) + 2 * W * H * pc) + OW * OH * pc) + 12 * pc + 16;
  }
  if (mult % 4 === 0) return 2 * (fs + W * H * C) + 32;
  return 32;
}
