/**
 * Calibration: run the float streaming graph over representative spectrograms, chunk by chunk with the state
 * carried across each spectrogram's chunks (and, like microWakeWord's representative_dataset, not reset between
 * spectrograms), recording every activation tensor's min/max.
 */
import { BuiltinOp } from '../tflite/model.js';
import type { FloatGraph } from './graph/ir.js';
import { FloatRunner } from './float/eval.js';

/** Feature range of microWakeWord's input (uint16 frontend output × 0.0390625). */
export const INPUT_MIN = 0;
export const INPUT_MAX = 26;

export interface Spectrogram {
  /** frames × 40 float32 feature values. */
  data: Float32Array;
  frames: number;
}

export interface Ranges {
  min: Float64Array;
  max: Float64Array;
  /** Whether the tensor was observed at all. */
  seen: Uint8Array;
  invokes: number;
}

/**
 * microWakeWord forces one pixel of the first spectrogram to the preprocessor's min (0) and one to its max
 * (26) so the input quantization spans exactly [0, 26]; done here too so activation ranges match.
 */
export function forceInputRange(specs: Spectrogram[]): void {
  const first = specs[0];
  if (!first || first.data.length < 2) return;
  first.data[0] = INPUT_MIN;
  first.data[1] = INPUT_MAX;
}

export function countInvokes(specs: Spectrogram[], stride: number): number {
  let n = 0;
  for (const s of specs) for (let i = 0; i < s.frames - stride; i += stride) n++;
  return n;
}

/**
 * Tensors TensorFlow's calibrator sees overwritten: its TFLite interpreter runs ADD and MUL in place on input 0
 * when that input has the output's shape and no other consumer, and the logger reads the op's inputs after the
 * op ran, so the recorded range of input 0 also covers the op's output. Reproduced so parameters match.
 */
export function inplaceAliases(g: FloatGraph): Map<number, number> {
  const consumers = new Map<number, number>();
  for (const op of g.ops) for (const i of op.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  const alias = new Map<number, number>();
  for (const op of g.ops) {
    if (op.op !== BuiltinOp.ADD && op.op !== BuiltinOp.MUL) continue;
    const in0 = op.inputs[0]!;
    const out = op.outputs[0]!;
    const same = g.tensors[in0]!.shape.join() === g.tensors[out]!.shape.join();
    if (same && consumers.get(in0) === 1 && g.tensors[in0]!.kind === 'activation') alias.set(out, in0);
  }
  return alias;
}

export function calibrate(g: FloatGraph, specs: Spectrogram[], onProgress?: (done: number, total: number) => void): Ranges {
  const n = g.tensors.length;
  // Dense lookup instead of the Map: observe runs for every tensor of every invoke.
  const alias = new Int32Array(n).fill(-1);
  for (const [out, in0] of inplaceAliases(g)) alias[out] = in0;
  const r: Ranges = { min: new Float64Array(n).fill(Infinity), max: new Float64Array(n).fill(-Infinity), seen: new Uint8Array(n), invokes: 0 };
  const runner = new FloatRunner(g);
  const stride = g.stride;
  const total = countInvokes(specs, stride);
  const observe = (t: number, v: Float32Array) => {
    let lo = r.min[t]!;
    let hi = r.max[t]!;
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    r.min[t] = lo;
    r.max[t] = hi;
    r.seen[t] = 1;
    const a = alias[t]!;
    if (a >= 0) {
      r.min[a] = Math.min(r.min[a]!, lo);
      r.max[a] = Math.max(r.max[a]!, hi);
    }
  };
  for (const s of specs) {
    // microwakeword: for i in range(0, L - stride, stride): yield x[i:i+stride] — the last chunk is not used.
    for (let i = 0; i < s.frames - stride; i += stride) {
      runner.invoke(s.data.subarray(i * 40, (i + stride) * 40), observe);
      r.invokes++;
      if (onProgress && (r.invokes % 16 === 0 || r.invokes === total)) onProgress(r.invokes, total);
    }
  }
  return r;
}
