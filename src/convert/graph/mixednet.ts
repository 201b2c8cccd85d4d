/**
 * microWakeWord's MixedNet as TensorFlow's converter emits it in streaming mode (docs/model-format.md §3):
 * every Stream becomes a resource variable ring buffer (READ → CONCAT → STRIDED_SLICE → ASSIGN, layer on the
 * concat), 1×1 Conv2D + BatchNorm (+ ReLU) fold into one CONV_2D, the head flattens into FULLY_CONNECTED + LOGISTIC.
 * Layers are taken from the checkpoint in Keras creation order, mirroring microwakeword/mixednet.py.
 */
import { MwwError } from '../../errors.js';
import { Activation, BuiltinOp, Padding } from '../../tflite/model.js';
import type { ModelFlags } from '../config.js';
import { channelSplit, finalFrames } from '../config.js';
import type { H5Layer, KerasWeights } from '../h5.js';
import { convKernelToOhwi, denseKernel, depthwiseKernel, foldBatchNorm, type BatchNorm } from './fold.js';
import { GraphBuilder, type FloatGraph } from './ir.js';
import { WeightCursor } from './weights.js';
import { AutoNames } from '../keras/graph.js';

const FEATURES = 40;

/** Ring buffer plumbing shared by every Stream: returns the concat [state, new] the wrapped layer runs on. */
export function streamBuffer(b: GraphBuilder, x: number, rb: number, name: string, sliceEndChannels: boolean): number {
  const [n, t, h, c] = b.shape(x) as [number, number, number, number];
  const handle = b.tensor({ name: `${name}/states`, shape: [], kind: 'resource' });
  b.g.variables.push({ sharedName: `${name}/states`, shape: [n, rb, h, c], handle });
  const state = b.act(`${name}/ReadVariableOp`, [n, rb, h, c]);
  b.op(BuiltinOp.READ_VARIABLE, [handle], [state]);
  const concat = b.act(`${name}/concat`, [n, rb + t, h, c]);
  b.op(BuiltinOp.CONCATENATION, [state, x], [concat], { kind: 'ConcatenationOptions', axis: 1, fusedActivation: Activation.NONE });
  const kept = b.act(`${name}/strided_slice`, [n, rb, h, c]);
  stridedSliceLast(b, concat, kept, rb, sliceEndChannels ? c : 0, name);
  b.op(BuiltinOp.ASSIGN_VARIABLE, [handle, kept], []);
  return concat;
}

/** STRIDED_SLICE keeping the last `frames` frames (begin [0,-frames,0,0], begin_mask 13, end_mask 15). */
export function stridedSliceLast(b: GraphBuilder, x: number, out: number, frames: number, endC: number, name: string): void {
  const begin = b.i32(`${name}/begin`, [0, -frames, 0, 0]);
  const end = b.i32(`${name}/end`, [0, 0, 0, endC]);
  const strides = b.i32(`${name}/strides`, [1, 1, 1, 1]);
  b.op(BuiltinOp.STRIDED_SLICE, [x, begin, end, strides], [out], {
    kind: 'StridedSliceOptions',
    beginMask: 13,
    endMask: 15,
    ellipsisMask: 0,
    newAxisMask: 0,
    shrinkAxisMask: 0,
    offset: false,
  });
}

/**
 * The classifier head both architectures end in: Flatten (RESHAPE to [1, T·C], order t·C+c) → Dense (FULLY_CONNECTED
 * to one logit) → sigmoid (LOGISTIC). The final QUANTIZE to uint8 is added by quantization.
 */
export function denseHead(b: GraphBuilder, cur: WeightCursor, dense: H5Layer, net: number, nIn: number): void {
  const dk = cur.expect(dense.vars[0], dense, 0, [nIn, 1], 'Dense kernel');
  const db = cur.expect(dense.vars[1], dense, 1, [1], 'Dense bias');
  const flat = b.act('flatten/Reshape', [1, nIn]);
  b.op(BuiltinOp.RESHAPE, [net, b.i32('flatten/shape', [-1, nIn])], [flat], { kind: 'ReshapeOptions', newShape: [-1, nIn] });
  const fw = b.tensor({ name: 'dense/MatMul', shape: [1, nIn], kind: 'weight', data: denseKernel(dk, nIn, 1) });
  const fb = b.tensor({ name: 'dense/BiasAdd', shape: [1], kind: 'bias', data: Float32Array.from(db) });
  const logits = b.act('dense/MatMul;dense/BiasAdd', [1, 1]);
  b.op(BuiltinOp.FULLY_CONNECTED, [flat, fw, fb], [logits], { kind: 'FullyConnectedOptions', fusedActivation: Activation.NONE, weightsFormat: 0, keepNumDims: false, asymmetricQuantizeInputs: false });
  const prob = b.act('Identity', [1, 1]);
  b.op(BuiltinOp.LOGISTIC, [logits], [prob]);
  b.g.output = prob;
}

export function readBatchNorm(cur: WeightCursor, channels: number, what: string): BatchNorm {
  const l = cur.next('batch_normalization', what);
  if (l.vars.length !== 4) {
    throw new MwwError('input', `layer ${l.name ?? l.key} (/layers/${l.key}/vars) has ${l.vars.length} datasets, expected 4 (gamma, beta, moving_mean, moving_variance)`, { where: 'checkpoint' });
  }
  const get = (i: number, role: string) => cur.expect(l.vars[i], l, i, [channels], role);
  return { gamma: get(0, 'gamma'), beta: get(1, 'beta'), mean: get(2, 'moving_mean'), variance: get(3, 'moving_variance') };
}

/** Pointwise Conv2D 1×1 + BatchNorm folded into one CONV_2D (SAME, optional fused ReLU). */
export function pointwiseBn(b: GraphBuilder, cur: WeightCursor, x: number, filters: number, act: Activation, what: string): number {
  const cin = b.shape(x)[3]!;
  const conv = cur.next('conv2d', what);
  const k = cur.expect(conv.vars[0], conv, 0, [1, 1, cin, filters], 'kernel');
  if (conv.vars.length > 1) throw new MwwError('input', `layer ${conv.name ?? conv.key} has a bias (/layers/${conv.key}/vars/1); microWakeWord's pointwise convolutions have none — the flags do not match the weights`, { where: 'checkpoint' });
  const bn = readBatchNorm(cur, filters, `the batch norm after ${what}`);
  const { filter, bias } = foldBatchNorm(convKernelToOhwi(k, 1, 1, cin, filters), filters, bn);
  const name = conv.name ?? conv.key;
  const w = b.tensor({ name: `${name}/convolution`, shape: [filters, 1, 1, cin], kind: 'weight', data: filter });
  const bt = b.tensor({ name: `${name}/bias`, shape: [filters], kind: 'bias', data: bias });
  const [n, t, h] = b.shape(x) as [number, number, number];
  const out = b.act(`${name}/out`, [n, t, h, filters]);
  b.op(BuiltinOp.CONV_2D, [x, w, bt], [out], { kind: 'Conv2DOptions', padding: Padding.SAME, strideW: 1, strideH: 1, fusedActivation: act, dilationW: 1, dilationH: 1 });
  return out;
}

function depthwise(b: GraphBuilder, cur: WeightCursor, x: number, k: number, what: string): number {
  const [n, t, h, c] = b.shape(x) as [number, number, number, number];
  const l = cur.next('depthwise_conv2d', what);
  const kernel = cur.expect(l.vars[0], l, 0, [k, 1, c, 1], 'depthwise kernel');
  const bias = cur.expect(l.vars[1], l, 1, [c], 'bias');
  const name = l.name ?? l.key;
  const w = b.tensor({ name: `${name}/depthwise`, shape: [1, k, 1, c], kind: 'weight', data: depthwiseKernel(kernel) });
  const bt = b.tensor({ name: `${name}/BiasAdd`, shape: [c], kind: 'bias', data: Float32Array.from(bias) });
  const out = b.act(`${name}/out`, [n, t - k + 1, h, c]);
  b.op(BuiltinOp.DEPTHWISE_CONV_2D, [x, w, bt], [out], {
    kind: 'DepthwiseConv2DOptions',
    padding: Padding.VALID,
    strideW: 1,
    strideH: 1,
    depthMultiplier: 1,
    fusedActivation: Activation.NONE,
    dilationW: 1,
    dilationH: 1,
  });
  return out;
}

export interface BuildResult {
  graph: FloatGraph;
  notes: string[];
}

export function buildMixedNet(f: ModelFlags, w: KerasWeights): BuildResult {
  const notes: string[] = [];
  const b = new GraphBuilder(f.stride);
  const cur = new WeightCursor(w);
  const names = new AutoNames();
  const streamName = () => names.next('stream');

  const input = b.tensor({ name: 'inputs', shape: [1, f.stride, FEATURES], kind: 'input' });
  b.g.input = input;
  let net = b.act('ExpandDims', [1, f.stride, 1, FEATURES]);
  b.op(BuiltinOp.RESHAPE, [input, b.i32('ExpandDims/shape', [1, f.stride, 1, FEATURES])], [net], { kind: 'ReshapeOptions', newShape: [1, f.stride, 1, FEATURES] });

  if (f.firstConvFilters > 0) {
    const k = f.firstConvKernelSize;
    const layer = cur.next('stream', 'the first convolution (Stream-wrapped Conv2D)');
    const kernel = cur.expect(layer.children.cell!.vars[0], layer, 0, [k, 1, FEATURES, f.firstConvFilters], 'first convolution kernel');
    const rb = k - 1 - (f.stride - 1);
    const src = rb > 0 ? streamBuffer(b, net, rb, streamName(), true) : net;
    const wt = b.tensor({ name: 'stream/conv2d/convolution', shape: [f.firstConvFilters, k, 1, FEATURES], kind: 'weight', data: convKernelToOhwi(kernel, k, 1, FEATURES, f.firstConvFilters) });
    const bias = b.tensor({ name: 'stream/conv2d/bias', shape: [f.firstConvFilters], kind: 'bias', data: new Float32Array(f.firstConvFilters) });
    const out = b.act('activation/Relu', [1, 1, 1, f.firstConvFilters]);
    b.op(BuiltinOp.CONV_2D, [src, wt, bias], [out], { kind: 'Conv2DOptions', padding: Padding.VALID, strideW: 1, strideH: f.stride, fusedActivation: Activation.RELU, dilationW: 1, dilationH: 1 });
    net = out;
  }

  f.pointwiseFilters.forEach((filters, bi) => {
    const ks = f.mixconvKernelSizes[bi]!;
    const res = f.residualConnection[bi]! !== 0;
    let residual = -1;
    if (res) {
      const r = pointwiseBn(b, cur, net, filters, Activation.NONE, `the residual 1×1 convolution of block ${bi}`);
      // TF's converter squeezes the residual to [C] and adds it like a bias.
      residual = b.act(`block${bi}/Squeeze`, [filters]);
      b.op(BuiltinOp.RESHAPE, [r, b.i32(`block${bi}/Squeeze/shape`, [filters])], [residual], { kind: 'ReshapeOptions', newShape: [filters] });
    }
    for (let rep = 0; rep < f.repeatInBlock[bi]!; rep++) {
      const what = `block ${bi}${f.repeatInBlock[bi]! > 1 ? ` repeat ${rep}` : ''}`;
      const kmax = Math.max(...ks);
      if (kmax > 1) {
        const buf = streamBuffer(b, net, kmax - 1, streamName(), true);
        if (ks.length === 1) {
          net = depthwise(b, cur, buf, ks[0]!, `the depthwise kernel ${ks[0]} of ${what}`);
        } else {
          const c = b.shape(buf)[3]!;
          const splits = channelSplit(c, ks.length);
          const parts = splits.map((s, i) => b.act(`${what}/split${i}`, [1, kmax, 1, s]));
          b.op(BuiltinOp.SPLIT_V, [buf, b.i32(`${what}/split/sizes`, splits), b.i32(`${what}/split/axis`, [-1], [])], parts, { kind: 'SplitVOptions', numSplits: ks.length });
          const outs = parts.map((p, i) => {
            const k = ks[i]!;
            const kept = b.act(`${what}/strided_keep${i}`, [1, k, 1, splits[i]!]);
            stridedSliceLast(b, p, kept, k, 0, `${what}/strided_keep${i}`);
            return depthwise(b, cur, kept, k, `the depthwise kernel ${ks[i]} of ${what}`);
          });
          net = b.act(`${what}/concat`, [1, 1, 1, c]);
          b.op(BuiltinOp.CONCATENATION, outs, [net], { kind: 'ConcatenationOptions', axis: -1, fusedActivation: Activation.NONE });
        }
      }
      if (res) {
        const main = pointwiseBn(b, cur, net, filters, Activation.NONE, `the pointwise convolution of ${what}`);
        const sum = b.act(`${what}/add`, [1, 1, 1, filters]);
        b.op(BuiltinOp.ADD, [main, residual], [sum], { kind: 'AddOptions', fusedActivation: Activation.RELU, potScaleInt16: true });
        net = sum;
      } else {
        net = pointwiseBn(b, cur, net, filters, Activation.RELU, `the pointwise convolution of ${what}`);
      }
    }
  });

  const c = b.shape(net)[3]!;
  let t = 1;
  const dense = cur.next('dense', 'the final Dense layer');
  const denseIn = dense.vars[0]?.shape[0];
  let T: number;
  if (f.spectrogramLength !== undefined) {
    T = finalFrames(f, f.spectrogramLength);
    if (T < 1) throw new MwwError('input', `spectrogram_length ${f.spectrogramLength} is too short for this architecture (${T} frames left before the head)`, { where: w.file });
  } else {
    if (f.pooled) throw new MwwError('input', 'pooled models need spectrogram_length (training_input_shape in training_config.yaml, or --spectrogram-length) to size the pooling window', { where: w.file });
    if (denseIn === undefined || denseIn % c !== 0) throw new MwwError('input', `/layers/${dense.key}/vars/0 has ${denseIn} inputs, not a multiple of the ${c} channels before the head`, { where: w.file });
    T = denseIn / c + (f.spatialAttention ? 3 : 0);
    notes.push(`spectrogram length not given: the final ring buffer (${T} frames) was inferred from the Dense layer`);
  }
  if (T > 1) {
    if (f.spatialAttention) {
      const attnKernel = 4;
      if (T < attnKernel) throw new MwwError('unsupported', `spatial_attention needs at least ${attnKernel} frames before the head, the model has ${T}`, { where: w.file });
      // SpatialAttention: channel avg & max of the newest frame, a streamed (4×1) conv with sigmoid, times the buffered frames.
      const tr = b.act('transpose', [1, 1, c, 1]);
      b.op(BuiltinOp.RESHAPE, [net, b.i32('transpose/shape', [1, 1, c, 1])], [tr], { kind: 'ReshapeOptions', newShape: [1, 1, c, 1] });
      const pool = (op: BuiltinOp, name: string) => {
        const o = b.act(name, [1, 1, 1, 1]);
        b.op(op, [tr], [o], { kind: 'Pool2DOptions', padding: Padding.VALID, strideW: c, strideH: 1, filterWidth: c, filterHeight: 1, fusedActivation: Activation.NONE });
        return o;
      };
      const avg = pool(BuiltinOp.AVERAGE_POOL_2D, 'attention/avg');
      const max = pool(BuiltinOp.MAX_POOL_2D, 'attention/max');
      const pooled = b.act('attention/concat', [1, 1, 1, 2]);
      b.op(BuiltinOp.CONCATENATION, [avg, max], [pooled], { kind: 'ConcatenationOptions', axis: -1, fusedActivation: Activation.NONE });
      const layer = cur.next('stream', 'the spatial attention convolution (Stream-wrapped Conv2D 4×1)');
      const kernel = cur.expect(layer.children.cell!.vars[0], layer, 0, [attnKernel, 1, 2, 1], 'spatial attention kernel');
      const abuf = streamBuffer(b, pooled, attnKernel - 1, streamName(), true);
      const aw = b.tensor({ name: 'attention/conv/convolution', shape: [1, attnKernel, 1, 2], kind: 'weight', data: convKernelToOhwi(kernel, attnKernel, 1, 2, 1) });
      const ab = b.tensor({ name: 'attention/conv/bias', shape: [1], kind: 'bias', data: new Float32Array(1) });
      const aconv = b.act('attention/conv', [1, 1, 1, 1]);
      b.op(BuiltinOp.CONV_2D, [abuf, aw, ab], [aconv], { kind: 'Conv2DOptions', padding: Padding.VALID, strideW: 1, strideH: 1, fusedActivation: Activation.NONE, dilationW: 1, dilationH: 1 });
      const sig = b.act('attention/Sigmoid', [1, 1, 1, 1]);
      b.op(BuiltinOp.LOGISTIC, [aconv], [sig]);
      const buf = streamBuffer(b, net, T - 1, streamName(), true);
      const keep = T - attnKernel + 1;
      const kept = b.act('attention/strided_slice', [1, keep, 1, c]);
      stridedSliceLast(b, buf, kept, keep, 0, 'attention/strided_slice');
      net = b.act('attention/Mul', [1, keep, 1, c]);
      b.op(BuiltinOp.MUL, [kept, sig], [net], { kind: 'MulOptions', fusedActivation: Activation.NONE });
      t = keep;
    } else {
      net = streamBuffer(b, net, T - 1, streamName(), true);
      t = T;
    }
    if (f.pooled) {
      const o = b.act('pooling', [1, 1, 1, c]);
      b.op(f.maxPool ? BuiltinOp.MAX_POOL_2D : BuiltinOp.AVERAGE_POOL_2D, [net], [o], {
        kind: 'Pool2DOptions',
        padding: Padding.VALID,
        strideW: 1,
        strideH: t,
        filterWidth: 1,
        filterHeight: t,
        fusedActivation: Activation.NONE,
      });
      net = o;
      t = 1;
    }
  }
  const nIn = t * c;
  denseHead(b, cur, dense, net, nIn);

  const left = cur.unused();
  if (left.length > 0) {
    throw new MwwError('input', `the flags do not match the weights: layer(s) ${left.map((l) => `/layers/${l.key}${l.children.cell ? '/cell' : ''} (${l.name ?? l.key}, shape [${(l.vars[0] ?? Object.values(l.children).find((c) => c.vars.length > 0)?.vars[0])?.shape}])`).join(', ')} not used by the architecture`, { where: w.file });
  }
  return { graph: b.g, notes };
}
