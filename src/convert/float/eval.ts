/**
 * Float32 execution of a FloatGraph, for calibration. Kernels accumulate in float32 (Math.fround after every
 * multiply and add, TFLite's reference loop order) so the observed min/max match what TensorFlow's calibrator
 * records with its float kernels (see src/convert/README section in index.ts for why not tfjs).
 */
import { MwwError } from '../../errors.js';
import { Activation, BuiltinOp, Padding, type Conv2DOptions, type DepthwiseConv2DOptions, type Pool2DOptions, type StridedSliceOptions } from '../../tflite/model.js';
import { numElements, type FloatGraph } from '../graph/ir.js';

const f32 = Math.fround;

function act(v: number, a: Activation): number {
  if (a === Activation.RELU) return v < 0 ? 0 : v;
  if (a === Activation.RELU6) return v < 0 ? 0 : v > 6 ? 6 : v;
  if (a === Activation.NONE) return v;
  throw new MwwError('unsupported', `fused activation ${Activation[a]} is not supported by the calibrator`);
}

export type Observer = (tensor: number, values: Float32Array) => void;

/** Runs a FloatGraph step by step, carrying the resource-variable state between invokes. */
export class FloatRunner {
  private readonly values: (Float32Array | undefined)[];
  private readonly state = new Map<number, Float32Array>();

  constructor(private readonly g: FloatGraph) {
    this.values = g.tensors.map((t) => t.data);
    this.reset();
  }

  reset(): void {
    for (const v of this.g.variables) this.state.set(v.handle, new Float32Array(numElements(v.shape)));
  }

  private i32(t: number): Int32Array {
    const v = this.g.tensors[t]!.i32;
    if (!v) throw new MwwError('unsupported', `tensor ${this.g.tensors[t]!.name} must be an int32 constant`);
    return v;
  }

  private v(t: number): Float32Array {
    const v = this.values[t];
    if (!v) throw new Error(`tensor ${t} (${this.g.tensors[t]!.name}) used before it was computed`);
    return v;
  }

  /** One invoke; `observe` sees every activation tensor as it is produced. Returns the output values. */
  invoke(input: Float32Array, observe?: Observer): Float32Array {
    const g = this.g;
    this.values[g.input] = input;
    observe?.(g.input, input);
    for (const op of g.ops) {
      const shapeOf = (t: number) => g.tensors[t]!.shape;
      const out = op.outputs[0];
      let result: Float32Array | undefined;
      switch (op.op) {
        case BuiltinOp.READ_VARIABLE:
          result = Float32Array.from(this.state.get(op.inputs[0]!)!);
          break;
        case BuiltinOp.ASSIGN_VARIABLE:
          this.state.set(op.inputs[0]!, Float32Array.from(this.v(op.inputs[1]!)));
          break;
        case BuiltinOp.VAR_HANDLE:
        case BuiltinOp.CALL_ONCE:
          break;
        case BuiltinOp.RESHAPE:
          result = this.v(op.inputs[0]!);
          break;
        case BuiltinOp.CONCATENATION: {
          const os = shapeOf(out!);
          let axis = (op.options as { axis: number }).axis;
          if (axis < 0) axis += os.length;
          const outer = numElements(os.slice(0, axis));
          const res = new Float32Array(numElements(os));
          let off = 0;
          const outInner = numElements(os.slice(axis));
          for (const i of op.inputs) {
            const inner = numElements(shapeOf(i).slice(axis));
            const src = this.v(i);
            for (let o = 0; o < outer; o++) res.set(src.subarray(o * inner, (o + 1) * inner), o * outInner + off);
            off += inner;
          }
          result = res;
          break;
        }
        case BuiltinOp.STRIDED_SLICE:
          result = this.stridedSlice(op.inputs, op.options as StridedSliceOptions, shapeOf(op.inputs[0]!), shapeOf(out!));
          break;
        case BuiltinOp.SPLIT_V: {
          const is = shapeOf(op.inputs[0]!);
          let axis = this.i32(op.inputs[2]!)[0]!;
          if (axis < 0) axis += is.length;
          const outer = numElements(is.slice(0, axis));
          const inInner = numElements(is.slice(axis));
          const src = this.v(op.inputs[0]!);
          let off = 0;
          for (const o of op.outputs) {
            const inner = numElements(shapeOf(o).slice(axis));
            const res = new Float32Array(outer * inner);
            for (let k = 0; k < outer; k++) res.set(src.subarray(k * inInner + off, k * inInner + off + inner), k * inner);
            this.values[o] = res;
            observe?.(o, res);
            off += inner;
          }
          continue;
        }
        case BuiltinOp.CONV_2D:
          result = this.conv(op.inputs, op.options as Conv2DOptions, shapeOf(op.inputs[0]!), shapeOf(op.inputs[1]!), shapeOf(out!));
          break;
        case BuiltinOp.DEPTHWISE_CONV_2D:
          result = this.depthwise(op.inputs, op.options as DepthwiseConv2DOptions, shapeOf(op.inputs[0]!), shapeOf(op.inputs[1]!), shapeOf(out!));
          break;
        case BuiltinOp.FULLY_CONNECTED: {
          const x = this.v(op.inputs[0]!);
          const w = this.v(op.inputs[1]!);
          const bias = op.inputs[2] !== undefined && op.inputs[2] >= 0 ? this.v(op.inputs[2]) : undefined;
          const [nOut, nIn] = shapeOf(op.inputs[1]!) as [number, number];
          const batches = x.length / nIn;
          const res = new Float32Array(batches * nOut);
          const a = (op.options as { fusedActivation: Activation }).fusedActivation;
          for (let bt = 0; bt < batches; bt++)
            for (let o = 0; o < nOut; o++) {
              let s = 0;
              for (let i = 0; i < nIn; i++) s = f32(s + f32(x[bt * nIn + i]! * w[o * nIn + i]!));
              if (bias) s = f32(s + bias[o]!);
              res[bt * nOut + o] = act(s, a);
            }
          result = res;
          break;
        }
        case BuiltinOp.ADD:
        case BuiltinOp.MUL: {
          const a = this.v(op.inputs[0]!);
          const bb = this.v(op.inputs[1]!);
          const fa = (op.options as { fusedActivation: Activation }).fusedActivation;
          const n = Math.max(a.length, bb.length);
          const res = new Float32Array(n);
          // Broadcasting here is only ever a trailing-dimension vector or a scalar against a full tensor.
          for (let i = 0; i < n; i++) {
            const x = a[i % a.length]!;
            const y = bb[i % bb.length]!;
            res[i] = act(op.op === BuiltinOp.ADD ? f32(x + y) : f32(x * y), fa);
          }
          result = res;
          break;
        }
        case BuiltinOp.LOGISTIC:
          result = this.v(op.inputs[0]!).map((v) => f32(1 / (1 + Math.exp(-v))));
          break;
        case BuiltinOp.AVERAGE_POOL_2D:
        case BuiltinOp.MAX_POOL_2D:
          result = this.pool(op.op, this.v(op.inputs[0]!), op.options as Pool2DOptions, shapeOf(op.inputs[0]!), shapeOf(out!));
          break;
        default:
          throw new MwwError('unsupported', `the float calibrator has no kernel for builtin op ${op.op}`);
      }
      if (result && out !== undefined) {
        this.values[out] = result;
        observe?.(out, result);
      }
    }
    return this.v(g.output);
  }

  private stridedSlice(inputs: number[], o: StridedSliceOptions, is: number[], os: number[]): Float32Array {
    const src = this.v(inputs[0]!);
    const begin = this.i32(inputs[1]!);
    const strides = this.i32(inputs[3]!);
    if (is.length !== 4 || strides.some((s) => s !== 1)) throw new MwwError('unsupported', 'the float calibrator only slices 4-D tensors with stride 1');
    const start = is.map((d, i) => {
      if ((o.beginMask >> i) & 1) return 0;
      const bgn = begin[i]!;
      return bgn < 0 ? bgn + d : bgn;
    });
    const res = new Float32Array(numElements(os));
    let k = 0;
    for (let a = 0; a < os[0]!; a++)
      for (let b = 0; b < os[1]!; b++)
        for (let c = 0; c < os[2]!; c++) {
          const base = (((start[0]! + a) * is[1]! + start[1]! + b) * is[2]! + start[2]! + c) * is[3]! + start[3]!;
          for (let d = 0; d < os[3]!; d++) res[k++] = src[base + d]!;
        }
    return res;
  }

  private conv(inputs: number[], o: Conv2DOptions, is: number[], ws: number[], os: number[]): Float32Array {
    const x = this.v(inputs[0]!);
    const w = this.v(inputs[1]!);
    const bias = inputs[2] !== undefined && inputs[2] >= 0 ? this.v(inputs[2]) : undefined;
    const [, ih, iw, ic] = is as [number, number, number, number];
    const [oc, kh, kw] = ws as [number, number, number, number];
    const [, oh, ow] = os as [number, number, number, number];
    const padH = o.padding === Padding.SAME ? Math.max(0, ((oh - 1) * o.strideH + kh - ih) >> 1) : 0;
    const padW = o.padding === Padding.SAME ? Math.max(0, ((ow - 1) * o.strideW + kw - iw) >> 1) : 0;
    const res = new Float32Array(numElements(os));
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++)
        for (let c = 0; c < oc; c++) {
          let s = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = y * o.strideH - padH + ky;
            if (iy < 0 || iy >= ih) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = xx * o.strideW - padW + kx;
              if (ix < 0 || ix >= iw) continue;
              const xb = (iy * iw + ix) * ic;
              const wb = ((c * kh + ky) * kw + kx) * ic;
              for (let i = 0; i < ic; i++) s = f32(s + x[xb + i]! * w[wb + i]!);
            }
          }
          if (bias) s = f32(s + bias[c]!);
          res[(y * ow + xx) * oc + c] = act(s, o.fusedActivation);
        }
    return res;
  }

  private depthwise(inputs: number[], o: DepthwiseConv2DOptions, is: number[], ws: number[], os: number[]): Float32Array {
    const x = this.v(inputs[0]!);
    const w = this.v(inputs[1]!);
    const bias = this.v(inputs[2]!);
    const [, , iw, ic] = is as [number, number, number, number];
    const [, kh, kw, oc] = ws as [number, number, number, number];
    const [, oh, ow] = os as [number, number, number, number];
    if (o.padding !== Padding.VALID || o.depthMultiplier !== 1 || oc !== ic) throw new MwwError('unsupported', 'the float calibrator supports VALID depthwise convolutions with multiplier 1 only');
    const res = new Float32Array(numElements(os));
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++)
        for (let c = 0; c < oc; c++) {
          let s = bias[c]!;
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const iy = y * o.strideH + ky;
              const ix = xx * o.strideW + kx;
              s = f32(s + x[(iy * iw + ix) * ic + c]! * w[(ky * kw + kx) * oc + c]!);
            }
          res[(y * ow + xx) * oc + c] = act(s, o.fusedActivation);
        }
    return res;
  }

  private pool(kind: BuiltinOp, x: Float32Array, o: Pool2DOptions, is: number[], os: number[]): Float32Array {
    const [, ih, iw, c] = is as [number, number, number, number];
    const [, oh, ow] = os as [number, number, number, number];
    const res = new Float32Array(numElements(os));
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++)
        for (let ch = 0; ch < c; ch++) {
          let s = kind === BuiltinOp.MAX_POOL_2D ? -Infinity : 0;
          let n = 0;
          for (let ky = 0; ky < o.filterHeight; ky++)
            for (let kx = 0; kx < o.filterWidth; kx++) {
              const iy = y * o.strideH + ky;
              const ix = xx * o.strideW + kx;
              if (iy >= ih || ix >= iw) continue;
              const v = x[(iy * iw + ix) * c + ch]!;
              s = kind === BuiltinOp.MAX_POOL_2D ? Math.max(s, v) : f32(s + v);
              n++;
            }
          res[(y * ow + xx) * c + ch] = act(kind === BuiltinOp.MAX_POOL_2D ? s : f32(s / n), o.fusedActivation);
        }
    return res;
  }
}
