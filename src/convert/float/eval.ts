/**
 * Float32 execution of a FloatGraph, for calibration, rounding exactly like the float kernels TensorFlow's
 * calibrator runs. That calibrator (tensorflow/lite/python/optimize/calibration_wrapper.cc) interprets the float
 * TFLite model with BuiltinOpResolver kernels wrapped by a LoggingOpResolver — a resolver without default
 * delegates, so no XNNPACK — and the x86 wheel's kernels are built for AVX without FMA: every product and
 * every sum is rounded to float32 on its own. The summation order is each kernel's own:
 *  - CONV_2D:   Eigen's column-major GEMV (1×1 and whole-window convs): per channel, products in
 *               (ky, kx, cin) order summed from 0 in blocks of 16 when K ≥ 128, block sums added; then + bias;
 *  - DEPTHWISE: accumulator = bias, then + each tap's product in (ky, kx) order;
 *  - FULLY_CONNECTED: Eigen's dot product, four 8-lane accumulators (float/eigen.ts); then + bias;
 *  - LOGISTIC: Eigen's packet logistic (a polynomial exp, a few ulps off the true value; float/eigen.ts);
 *  - ADD / MUL elementwise in float32, AVERAGE_POOL sums in float32 then divides, MAX_POOL exact.
 * With these, every calibration min/max of golden/fixture_okay_nabu_v2, variants/resid and variants/spatial
 * (calibrated_float.tflite) is reproduced bit for bit.
 *
 * Structure follows TFLM's kernels: the constructor prepares every op once (shapes, padding, copy plans, output
 * buffers allocated once per tensor) and `invoke` only computes, so a calibration run allocates nothing per
 * invoke.
 */
import { MwwError } from '../../errors.js';
import {
  Activation,
  BuiltinOp,
  Padding,
  type Conv2DOptions,
  type DepthwiseConv2DOptions,
  type Pool2DOptions,
  type StridedSliceOptions,
} from '../../tflite/model.js';
import { elementCount } from '../../micro/tensor.js';
import type { FloatGraph, GOp } from '../graph/ir.js';
import { eigenDot, eigenLogistic } from './eigen.js';

const f32 = Math.fround;

export type Observer = (tensor: number, values: Float32Array) => void;

/** Output clamp of a fused activation: NONE is (−∞, ∞), RELU [0, ∞), RELU6 [0, 6]. */
function clampOf(a: Activation): { lo: number; hi: number } {
  if (a === Activation.NONE) return { lo: -Infinity, hi: Infinity };
  if (a === Activation.RELU) return { lo: 0, hi: Infinity };
  if (a === Activation.RELU6) return { lo: 0, hi: 6 };
  throw new MwwError('unsupported', `fused activation ${Activation[a]} is not supported by the calibrator`);
}

/**
 * A copy plan: runs of `len` floats from src[srcOff…] to dst[dstOff…], flattened as triples. Adjacent runs
 * are merged so ring-buffer concats and slices become one or two copies.
 */
class CopyPlan {
  private readonly runs: number[] = [];
  add(srcOff: number, dstOff: number, len: number): void {
    const r = this.runs;
    const n = r.length;
    if (n > 0 && r[n - 3]! + r[n - 1]! === srcOff && r[n - 2]! + r[n - 1]! === dstOff) r[n - 1]! += len;
    else r.push(srcOff, dstOff, len);
  }
  finish(): Int32Array {
    return Int32Array.from(this.runs);
  }
}

function runCopy(plan: Int32Array, src: Float32Array, dst: Float32Array): void {
  for (let r = 0; r < plan.length; r += 3) {
    const s = plan[r]!;
    const d = plan[r + 1]!;
    const len = plan[r + 2]!;
    for (let k = 0; k < len; k++) dst[d + k] = src[s + k]!;
  }
}

/**
 * The copy plans between a tensor and its pieces along `axis`: CONCATENATION gathers the pieces into the whole,
 * SPLIT_V scatters the whole into the pieces. In each of the whole's outer rows, piece p occupies the floats
 * after those of pieces 0…p−1.
 */
function axisPlans(whole: number[], pieces: number[][], axis: number, direction: 'gather' | 'scatter'): Int32Array[] {
  const outer = elementCount(whole.slice(0, axis));
  const wholeInner = elementCount(whole.slice(axis));
  let off = 0;
  return pieces.map((shape) => {
    const inner = elementCount(shape.slice(axis));
    const plan = new CopyPlan();
    for (let o = 0; o < outer; o++) {
      if (direction === 'gather') plan.add(o * inner, o * wholeInner + off, inner);
      else plan.add(o * wholeInner + off, o * inner, inner);
    }
    off += inner;
    return plan.finish();
  });
}

type Step = () => void;

/** Runs a FloatGraph step by step, carrying the resource-variable state between invokes. */
export class FloatRunner {
  /** One buffer per tensor: constants' data, activations allocated once (RESHAPE outputs alias their input). */
  private readonly bufs: Float32Array[];
  private readonly state = new Map<number, Float32Array>();
  private readonly steps: Step[] = [];
  /** For each step, the tensors it produces (observed after the step ran). */
  private readonly produced: number[][] = [];
  private readonly inputBuf: Float32Array;

  constructor(private readonly g: FloatGraph) {
    this.bufs = new Array(g.tensors.length);
    for (const v of g.variables) this.state.set(v.handle, new Float32Array(elementCount(v.shape)));
    this.inputBuf = new Float32Array(elementCount(g.tensors[g.input]!.shape));
    this.bufs[g.input] = this.inputBuf;
    g.tensors.forEach((t, i) => {
      if (t.data) this.bufs[i] = t.data;
    });
    for (const op of g.ops) {
      const step = this.prepare(op);
      if (step) {
        this.steps.push(step);
        this.produced.push(op.op === BuiltinOp.ASSIGN_VARIABLE ? [] : op.outputs.filter((o) => o >= 0));
      }
    }
  }

  reset(): void {
    for (const s of this.state.values()) s.fill(0);
  }

  /**
   * One invoke; `observe` sees the input and every activation tensor as it is produced. Returns the output
   * values — a buffer owned by the runner, overwritten by the next invoke.
   */
  invoke(input: Float32Array, observe?: Observer): Float32Array {
    if (input.length !== this.inputBuf.length) throw new Error(`float runner: input has ${input.length} values, the graph takes ${this.inputBuf.length}`);
    this.inputBuf.set(input);
    observe?.(this.g.input, this.inputBuf);
    const steps = this.steps;
    for (let s = 0; s < steps.length; s++) {
      steps[s]!();
      if (observe) for (const t of this.produced[s]!) observe(t, this.bufs[t]!);
    }
    return this.bufs[this.g.output]!;
  }

  private shape(t: number): number[] {
    return this.g.tensors[t]!.shape;
  }

  private i32(t: number): Int32Array {
    const v = this.g.tensors[t]!.i32;
    if (!v) throw new MwwError('unsupported', `tensor ${this.g.tensors[t]!.name} must be an int32 constant`);
    return v;
  }

  private buf(t: number): Float32Array {
    const b = this.bufs[t];
    if (!b) throw new Error(`tensor ${t} (${this.g.tensors[t]!.name}) used before it was computed`);
    return b;
  }

  private out(t: number): Float32Array {
    const b = new Float32Array(elementCount(this.shape(t)));
    this.bufs[t] = b;
    return b;
  }

  private prepare(op: GOp): Step | undefined {
    const outT = op.outputs[0];
    switch (op.op) {
      case BuiltinOp.VAR_HANDLE:
      case BuiltinOp.CALL_ONCE:
        return undefined;
      case BuiltinOp.READ_VARIABLE: {
        const st = this.state.get(op.inputs[0]!)!;
        const dst = this.out(outT!);
        return () => dst.set(st);
      }
      case BuiltinOp.ASSIGN_VARIABLE: {
        const st = this.state.get(op.inputs[0]!)!;
        const src = this.buf(op.inputs[1]!);
        return () => st.set(src);
      }
      case BuiltinOp.RESHAPE:
        this.bufs[outT!] = this.buf(op.inputs[0]!);
        return () => {};
      case BuiltinOp.CONCATENATION:
        return this.prepareConcat(op);
      case BuiltinOp.STRIDED_SLICE:
        return this.prepareStridedSlice(op);
      case BuiltinOp.SPLIT_V:
        return this.prepareSplit(op);
      case BuiltinOp.CONV_2D:
        return this.prepareConv(op);
      case BuiltinOp.DEPTHWISE_CONV_2D:
        return this.prepareDepthwise(op);
      case BuiltinOp.FULLY_CONNECTED:
        return this.prepareFullyConnected(op);
      case BuiltinOp.ADD:
      case BuiltinOp.MUL:
        return this.prepareElementwise(op);
      case BuiltinOp.LOGISTIC: {
        const x = this.buf(op.inputs[0]!);
        const res = this.out(outT!);
        return () => {
          for (let i = 0; i < x.length; i++) res[i] = eigenLogistic(x[i]!);
        };
      }
      case BuiltinOp.AVERAGE_POOL_2D:
      case BuiltinOp.MAX_POOL_2D:
        return this.preparePool(op);
      default:
        throw new MwwError('unsupported', `the float calibrator has no kernel for builtin op ${op.op}`);
    }
  }

  private prepareConcat(op: GOp): Step {
    const os = this.shape(op.outputs[0]!);
    const axis = (op.options as { axis: number }).axis;
    const plans = axisPlans(os, op.inputs.map((i) => this.shape(i)), axis < 0 ? axis + os.length : axis, 'gather');
    const res = this.out(op.outputs[0]!);
    const parts = op.inputs.map((i, k) => ({ src: this.buf(i), plan: plans[k]! }));
    return () => {
      for (const p of parts) runCopy(p.plan, p.src, res);
    };
  }

  private prepareStridedSlice(op: GOp): Step {
    const o = op.options as StridedSliceOptions;
    const is = this.shape(op.inputs[0]!);
    const os = this.shape(op.outputs[0]!);
    const begin = this.i32(op.inputs[1]!);
    const strides = this.i32(op.inputs[3]!);
    if (is.length !== 4 || strides.some((s) => s !== 1)) throw new MwwError('unsupported', 'the float calibrator only slices 4-D tensors with stride 1');
    const start = is.map((d, i) => {
      if ((o.beginMask >> i) & 1) return 0;
      const bgn = begin[i]!;
      return bgn < 0 ? bgn + d : bgn;
    });
    const plan = new CopyPlan();
    let k = 0;
    for (let a = 0; a < os[0]!; a++)
      for (let b = 0; b < os[1]!; b++)
        for (let c = 0; c < os[2]!; c++) {
          const base = (((start[0]! + a) * is[1]! + start[1]! + b) * is[2]! + start[2]! + c) * is[3]! + start[3]!;
          plan.add(base, k, os[3]!);
          k += os[3]!;
        }
    const runs = plan.finish();
    const src = this.buf(op.inputs[0]!);
    const res = this.out(op.outputs[0]!);
    return () => runCopy(runs, src, res);
  }

  private prepareSplit(op: GOp): Step {
    const is = this.shape(op.inputs[0]!);
    const axis = this.i32(op.inputs[2]!)[0]!;
    const plans = axisPlans(is, op.outputs.map((o) => this.shape(o)), axis < 0 ? axis + is.length : axis, 'scatter');
    const src = this.buf(op.inputs[0]!);
    const parts = op.outputs.map((o, k) => ({ dst: this.out(o), plan: plans[k]! }));
    return () => {
      for (const p of parts) runCopy(p.plan, src, p.dst);
    };
  }

  /**
   * CONV_2D as TFLite's multithreaded Eigen kernel runs it. A 1×1 stride-1 kernel, or a kernel covering the
   * whole unpadded input (the ring-buffered first conv), is a matrix product whose single output pixel makes
   * Eigen take its column-major GEMV: per output channel, the K = kh·kw·cin products in (ky, kx, cin) order
   * are summed from 0 in blocks of 16 when K ≥ 128 (one block otherwise), each block's sum added to the
   * result; the bias is added afterwards, then the activation clamp. (Several output pixels would make it a
   * GEMM, summed the same way here but not verified: streaming graphs have one output pixel per conv.)
   */
  private prepareConv(op: GOp): Step {
    const o = op.options as Conv2DOptions;
    const x = this.buf(op.inputs[0]!);
    const w = this.buf(op.inputs[1]!);
    const hasBias = op.inputs[2] !== undefined && op.inputs[2] >= 0;
    const bias = hasBias ? this.buf(op.inputs[2]!) : new Float32Array(0);
    const [, ih, iw, ic] = this.shape(op.inputs[0]!) as [number, number, number, number];
    const [oc, kh, kw] = this.shape(op.inputs[1]!) as [number, number, number, number];
    const [, oh, ow] = this.shape(op.outputs[0]!) as [number, number, number, number];
    const padH = o.padding === Padding.SAME ? Math.max(0, ((oh - 1) * o.strideH + kh - ih) >> 1) : 0;
    const padW = o.padding === Padding.SAME ? Math.max(0, ((ow - 1) * o.strideW + kw - iw) >> 1) : 0;
    const { lo, hi } = clampOf(o.fusedActivation);
    const res = this.out(op.outputs[0]!);
    const finish = (s: number, c: number): number => {
      const v = hasBias ? f32(s + bias[c]!) : s;
      return v < lo ? lo : v > hi ? hi : v;
    };
    const is1x1 = kh === 1 && kw === 1 && o.strideH === 1 && o.strideW === 1;
    const wholeInput = kh === ih && kw === iw && padH === 0 && padW === 0;
    if (is1x1 || wholeInput) {
      const K = kh * kw * ic;
      // Eigen's GEMV heuristic: one block below 128 columns, else 16 (4 when a weight column exceeds 32000 bytes).
      const block = K < 128 ? K : oc * 4 < 32000 ? 16 : 4;
      const pixels = oh * ow;
      // Four output channels per pass: each keeps its own chain (results unchanged), but four independent
      // chains keep the CPU busy instead of waiting on one multiply-round-add-round chain.
      const oc4 = oc - (oc % 4);
      return () => {
        for (let p = 0; p < pixels; p++) {
          const xo = is1x1 ? p * ic : 0;
          const ob = p * oc;
          for (let c = 0; c < oc4; c += 4) {
            const w0 = c * K;
            const w1 = w0 + K;
            const w2 = w1 + K;
            const w3 = w2 + K;
            let r0 = 0;
            let r1 = 0;
            let r2 = 0;
            let r3 = 0;
            for (let j2 = 0; j2 < K; j2 += block) {
              const jend = Math.min(j2 + block, K);
              let s0 = 0;
              let s1 = 0;
              let s2 = 0;
              let s3 = 0;
              for (let j = j2; j < jend; j++) {
                const xj = x[xo + j]!;
                s0 = f32(s0 + f32(xj * w[w0 + j]!));
                s1 = f32(s1 + f32(xj * w[w1 + j]!));
                s2 = f32(s2 + f32(xj * w[w2 + j]!));
                s3 = f32(s3 + f32(xj * w[w3 + j]!));
              }
              r0 = f32(r0 + s0);
              r1 = f32(r1 + s1);
              r2 = f32(r2 + s2);
              r3 = f32(r3 + s3);
            }
            res[ob + c] = finish(r0, c);
            res[ob + c + 1] = finish(r1, c + 1);
            res[ob + c + 2] = finish(r2, c + 2);
            res[ob + c + 3] = finish(r3, c + 3);
          }
          for (let c = oc4; c < oc; c++) {
            const wb = c * K;
            let r = 0;
            for (let j2 = 0; j2 < K; j2 += block) {
              const jend = Math.min(j2 + block, K);
              let s = 0;
              for (let j = j2; j < jend; j++) s = f32(s + f32(x[xo + j]! * w[wb + j]!));
              r = f32(r + s);
            }
            res[ob + c] = finish(r, c);
          }
        }
      };
    }
    // Eigen's general SpatialConvolution path (strided or padded windows): not exercised by the streaming
    // MixedNet/Inception graphs and not verified against TensorFlow; summed in (ky, kx, cin) order from 0.
    const wPerOut = kh * kw * ic;
    const pixelRuns: Int32Array[] = [];
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        const runs: number[] = [];
        for (let ky = 0; ky < kh; ky++) {
          const iy = y * o.strideH - padH + ky;
          if (iy < 0 || iy >= ih) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = xx * o.strideW - padW + kx;
            if (ix >= 0 && ix < iw) runs.push((iy * iw + ix) * ic, (ky * kw + kx) * ic);
          }
        }
        pixelRuns.push(Int32Array.from(runs));
      }
    return () => {
      for (let p = 0; p < pixelRuns.length; p++) {
        const runs = pixelRuns[p]!;
        for (let c = 0; c < oc; c++) {
          const wb = c * wPerOut;
          let s = 0;
          for (let r = 0; r < runs.length; r += 2) {
            const xo = runs[r]!;
            const wo = wb + runs[r + 1]!;
            for (let i = 0; i < ic; i++) s = f32(s + f32(x[xo + i]! * w[wo + i]!));
          }
          res[p * oc + c] = finish(s, c);
        }
      }
    };
  }

  /**
   * DEPTHWISE_CONV_2D as TFLite's optimized float kernel runs it (DepthwiseConvImpl with the NEON kernels,
   * which x86 builds get through NEON_2_SSE): each channel's accumulator starts at its bias and gets the rounded
   * product of every tap added in (ky, kx) order; the clamp comes last.
   */
  private prepareDepthwise(op: GOp): Step {
    const o = op.options as DepthwiseConv2DOptions;
    const x = this.buf(op.inputs[0]!);
    const w = this.buf(op.inputs[1]!);
    const bias = this.buf(op.inputs[2]!);
    const [, , iw, ic] = this.shape(op.inputs[0]!) as [number, number, number, number];
    const [, kh, kw, oc] = this.shape(op.inputs[1]!) as [number, number, number, number];
    const [, oh, ow] = this.shape(op.outputs[0]!) as [number, number, number, number];
    if (o.padding !== Padding.VALID || o.depthMultiplier !== 1 || oc !== ic) throw new MwwError('unsupported', 'the float calibrator supports VALID depthwise convolutions with multiplier 1 only');
    const { lo, hi } = clampOf(o.fusedActivation);
    const res = this.out(op.outputs[0]!);
    const sh = o.strideH;
    const sw = o.strideW;
    // Taps outer, channels inner: a Float32Array store rounds the sum exactly like Math.fround, and the
    // channels' independent chains keep the CPU busy.
    const acc = new Float32Array(oc);
    return () => {
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++) {
          acc.set(bias);
          for (let ky = 0; ky < kh; ky++) {
            const rowX = (y * sh + ky) * iw;
            for (let kx = 0; kx < kw; kx++) {
              const xb = (rowX + xx * sw + kx) * ic;
              const wb = (ky * kw + kx) * oc;
              for (let c = 0; c < oc; c++) acc[c] = acc[c]! + f32(x[xb + c]! * w[wb + c]!);
            }
          }
          const ob = (y * ow + xx) * oc;
          for (let c = 0; c < oc; c++) {
            const s = acc[c]!;
            res[ob + c] = s < lo ? lo : s > hi ? hi : s;
          }
        }
    };
  }

  /**
   * FULLY_CONNECTED as TFLite's cpu_backend_gemm hands it to Eigen: a one-unit layer on one input row is
   * Eigen's dot product (eigenDot); the bias is added afterwards, then the clamp. Several units would be
   * Eigen's row-major GEMV, which is not verified here (microWakeWord's models end in Dense(1)).
   */
  private prepareFullyConnected(op: GOp): Step {
    const x = this.buf(op.inputs[0]!);
    const w = this.buf(op.inputs[1]!);
    const hasBias = op.inputs[2] !== undefined && op.inputs[2] >= 0;
    const bias = hasBias ? this.buf(op.inputs[2]!) : new Float32Array(0);
    const [nOut, nIn] = this.shape(op.inputs[1]!) as [number, number];
    const batches = x.length / nIn;
    const { lo, hi } = clampOf((op.options as { fusedActivation: Activation }).fusedActivation);
    const res = this.out(op.outputs[0]!);
    const acc = new Float32Array(32);
    return () => {
      for (let bt = 0; bt < batches; bt++)
        for (let o = 0; o < nOut; o++) {
          let s = eigenDot(x, bt * nIn, w, o * nIn, nIn, acc);
          if (hasBias) s = f32(s + bias[o]!);
          res[bt * nOut + o] = s < lo ? lo : s > hi ? hi : s;
        }
    };
  }

  private prepareElementwise(op: GOp): Step {
    const a = this.buf(op.inputs[0]!);
    const b = this.buf(op.inputs[1]!);
    const { lo, hi } = clampOf((op.options as { fusedActivation: Activation }).fusedActivation);
    const n = Math.max(a.length, b.length);
    const res = this.out(op.outputs[0]!);
    const na = a.length;
    const nb = b.length;
    // Broadcasting here is only ever a trailing-dimension vector or a scalar against a full tensor.
    if (op.op === BuiltinOp.ADD)
      return () => {
        for (let i = 0; i < n; i++) {
          const v = f32(a[i % na]! + b[i % nb]!);
          res[i] = v < lo ? lo : v > hi ? hi : v;
        }
      };
    return () => {
      for (let i = 0; i < n; i++) {
        const v = f32(a[i % na]! * b[i % nb]!);
        res[i] = v < lo ? lo : v > hi ? hi : v;
      }
    };
  }

  private preparePool(op: GOp): Step {
    const o = op.options as Pool2DOptions;
    const x = this.buf(op.inputs[0]!);
    const [, ih, iw, c] = this.shape(op.inputs[0]!) as [number, number, number, number];
    const [, oh, ow] = this.shape(op.outputs[0]!) as [number, number, number, number];
    const { lo, hi } = clampOf(o.fusedActivation);
    const res = this.out(op.outputs[0]!);
    const isMax = op.op === BuiltinOp.MAX_POOL_2D;
    return () => {
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++)
          for (let ch = 0; ch < c; ch++) {
            let s = isMax ? -Infinity : 0;
            let n = 0;
            for (let ky = 0; ky < o.filterHeight; ky++)
              for (let kx = 0; kx < o.filterWidth; kx++) {
                const iy = y * o.strideH + ky;
                const ix = xx * o.strideW + kx;
                if (iy >= ih || ix >= iw) continue;
                const v = x[(iy * iw + ix) * c + ch]!;
                s = isMax ? Math.max(s, v) : f32(s + v);
                n++;
              }
            const v = isMax ? s : f32(s / n);
            res[(y * ow + xx) * c + ch] = v < lo ? lo : v > hi ? hi : v;
          }
    };
  }
}
