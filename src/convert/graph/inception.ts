/**
 * microWakeWord's Inception (microwakeword/inception.py) as a float streaming graph. It streams one feature
 * slice per step (input [1, 1, 40]). Layer by layer:
 * - cnn1: Stream(Conv2D k×1, use_one_step=True): a ring buffer of k frames updated as
 *   READ → STRIDED_SLICE [1:k] → CONCATENATION(old, new) → ASSIGN, the conv runs on the k-frame memory.
 * - cnn2 blocks: three branches (1×1; 1×1 → k×1; 1×1 → k×1 → k×1), the k×1 convs wrapped in
 *   Stream(use_one_step=False) like MixedNet's (READ → CONCAT → STRIDED_SLICE last k−1 → ASSIGN), the branches
 *   concatenated on channels, then a 1×1 conv.
 * - head: Stream(Flatten, use_one_step=True) over the last T frames, FULLY_CONNECTED, LOGISTIC.
 * Every Conv2D is followed by SubSpectralNormalization + ReLU. SSN with g groups reshapes [T,1,C] to [T,C/g,g]
 * and batch-normalises the last axis, so channel c uses BN entry c mod g: still an affine map per output
 * channel, so mww folds it into the convolution like a plain batch norm (TensorFlow's converter cannot see
 * through the reshapes and emits MUL + ADD instead; the float function is the same).
 */
import { MwwError } from '../../errors.js';
import { Activation, BuiltinOp, Padding } from '../../tflite/model.js';
import { inceptionFinalFrames, type ModelFlags } from '../config.js';
import type { KerasWeights } from '../h5.js';
import { convKernelToOhwi, foldBatchNorm, type BatchNorm } from './fold.js';
import { GraphBuilder } from './ir.js';
import { denseHead, streamBuffer } from './mixednet.js';
import type { BuildResult } from './mixednet.js';
import { WeightCursor } from './weights.js';
import { AutoNames } from '../keras/graph.js';

const FEATURES = 40;

/** Stream(use_one_step=True) ring buffer of `frames` frames: returns the updated memory the cell runs on. */
function oneStepBuffer(b: GraphBuilder, x: number, frames: number, name: string): number {
  const [n, t, h, c] = b.shape(x) as [number, number, number, number];
  if (t !== 1) throw new Error(`internal: use_one_step stream ${name} needs one frame per step, got ${t}`);
  if (frames <= 1) return x;
  const handle = b.tensor({ name: `${name}/states`, shape: [], kind: 'resource' });
  b.g.variables.push({ sharedName: `${name}/states`, shape: [n, frames, h, c], handle });
  const state = b.act(`${name}/ReadVariableOp`, [n, frames, h, c]);
  b.op(BuiltinOp.READ_VARIABLE, [handle], [state]);
  const older = b.act(`${name}/strided_slice`, [n, frames - 1, h, c]);
  b.op(BuiltinOp.STRIDED_SLICE, [state, b.i32(`${name}/begin`, [0, 1, 0, 0]), b.i32(`${name}/end`, [0, frames, 0, 0]), b.i32(`${name}/strides`, [1, 1, 1, 1])], [older], {
    kind: 'StridedSliceOptions',
    beginMask: 13,
    endMask: 13,
    ellipsisMask: 0,
    newAxisMask: 0,
    shrinkAxisMask: 0,
    offset: false,
  });
  const memory = b.act(`${name}/concat`, [n, frames, h, c]);
  b.op(BuiltinOp.CONCATENATION, [older, x], [memory], { kind: 'ConcatenationOptions', axis: 1, fusedActivation: Activation.NONE });
  b.op(BuiltinOp.ASSIGN_VARIABLE, [handle, memory], []);
  return memory;
}

/** The BatchNormalization inside a SubSpectralNormalization layer, expanded to one entry per channel. */
function readSubSpectralNorm(cur: WeightCursor, channels: number, groups: number, what: string): BatchNorm {
  const l = cur.next('sub_spectral_normalization', what);
  const bn = l.children.batch_norm;
  if (!bn || bn.vars.length !== 4) {
    throw new MwwError('input', `layer ${l.name ?? l.key}: expected its batch norm at /layers/${l.key}/batch_norm/vars/0..3 (gamma, beta, moving_mean, moving_variance), found ${bn ? `${bn.vars.length} datasets` : 'no batch_norm group'}`, { where: 'checkpoint' });
  }
  const get = (i: number, role: string) => {
    const data = cur.expect(bn.vars[i], l, i, [groups], `${role} of the sub-spectral batch norm (${groups} group${groups > 1 ? 's' : ''})`);
    return Float32Array.from({ length: channels }, (_, c) => data[c % groups]!);
  };
  return { gamma: get(0, 'gamma'), beta: get(1, 'beta'), mean: get(2, 'moving_mean'), variance: get(3, 'moving_variance') };
}

export function buildInception(f: ModelFlags, w: KerasWeights): BuildResult {
  const inc = f.inception;
  if (!inc) throw new Error('internal: buildInception without inception flags');
  const notes: string[] = [];
  const b = new GraphBuilder(1);
  const cur = new WeightCursor(w);
  const names = new AutoNames();
  const streamName = () => names.next('stream');
  let convs = 0;

  /** Conv2D (k×1, VALID or 1×1 SAME) + SubSpectralNormalization + ReLU, folded into one CONV_2D. */
  const convSsn = (x: number, k: number, filters: number, groups: number, kernelFrom: 'stream' | 'conv2d', what: string): number => {
    const [, t, , cin] = b.shape(x) as [number, number, number, number];
    const layer = cur.next(kernelFrom, what);
    const v = kernelFrom === 'stream' ? layer.children.cell?.vars[0] : layer.vars[0];
    const kernel = cur.expect(v, layer, 0, [k, 1, cin, filters], `${what} kernel`);
    const bn = readSubSpectralNorm(cur, filters, groups, `the normalization after ${what}`);
    const { filter, bias } = foldBatchNorm(convKernelToOhwi(kernel, k, 1, cin, filters), filters, bn);
    const name = `conv${convs++}`;
    const wt = b.tensor({ name: `${name}/convolution`, shape: [filters, k, 1, cin], kind: 'weight', data: filter });
    const bt = b.tensor({ name: `${name}/bias`, shape: [filters], kind: 'bias', data: bias });
    const out = b.act(`${name}/Relu`, [1, t - k + 1, 1, filters]);
    b.op(BuiltinOp.CONV_2D, [x, wt, bt], [out], { kind: 'Conv2DOptions', padding: k === 1 ? Padding.SAME : Padding.VALID, strideW: 1, strideH: 1, fusedActivation: Activation.RELU, dilationW: 1, dilationH: 1 });
    return out;
  };

  const input = b.tensor({ name: 'inputs', shape: [1, 1, FEATURES], kind: 'input' });
  b.g.input = input;
  let net = b.act('ExpandDims', [1, 1, 1, FEATURES]);
  b.op(BuiltinOp.RESHAPE, [input, b.i32('ExpandDims/shape', [1, 1, 1, FEATURES])], [net], { kind: 'ReshapeOptions', newShape: [1, 1, 1, FEATURES] });

  inc.cnn1Filters.forEach((filters, i) => {
    const k = inc.cnn1KernelSizes[i]!;
    const mem = oneStepBuffer(b, net, k, streamName());
    net = convSsn(mem, k, filters, inc.cnn1Subgroups[i]!, 'stream', `cnn1 convolution ${i} (Stream-wrapped Conv2D ${k}×1)`);
  });

  /** conv2d_bn_delay: Stream(Conv2D k×1, use_one_step=False) with a ring buffer of k−1 frames. */
  const streamedConv = (x: number, k: number, filters: number, groups: number, what: string): number => {
    const src = k > 1 ? streamBuffer(b, x, k - 1, streamName(), true) : x;
    return convSsn(src, k, filters, groups, 'stream', what);
  };

  inc.cnn2Filters1.forEach((f1, i) => {
    const k = inc.cnn2KernelSizes[i]!;
    const g = inc.cnn2Subgroups[i]!;
    const blk = `inception block ${i}`;
    const b1 = convSsn(net, 1, f1, g, 'conv2d', `branch 1 1×1 convolution of ${blk}`);
    let b2 = convSsn(net, 1, f1, g, 'conv2d', `branch 2 1×1 convolution of ${blk}`);
    b2 = streamedConv(b2, k, f1, g, `branch 2 ${k}×1 convolution of ${blk}`);
    let b3 = convSsn(net, 1, f1, g, 'conv2d', `branch 3 1×1 convolution of ${blk}`);
    b3 = streamedConv(b3, k, f1, g, `branch 3 first ${k}×1 convolution of ${blk}`);
    b3 = streamedConv(b3, k, f1, g, `branch 3 second ${k}×1 convolution of ${blk}`);
    const cat = b.act(`block${i}/concat`, [1, 1, 1, 3 * f1]);
    b.op(BuiltinOp.CONCATENATION, [b1, b2, b3], [cat], { kind: 'ConcatenationOptions', axis: -1, fusedActivation: Activation.NONE });
    net = convSsn(cat, 1, inc.cnn2Filters2[i]!, 1, 'conv2d', `the 1×1 reduction convolution of ${blk}`);
  });

  const c = b.shape(net)[3]!;
  const dense = cur.next('dense', 'the final Dense layer');
  let T: number;
  if (f.spectrogramLength !== undefined) {
    T = inceptionFinalFrames(inc, f.spectrogramLength);
    if (T < 1) throw new MwwError('input', `spectrogram_length ${f.spectrogramLength} is too short for this Inception model (${T} frames left before the head)`, { where: w.file });
  } else {
    const denseIn = dense.vars[0]?.shape[0];
    if (denseIn === undefined || denseIn % c !== 0) throw new MwwError('input', `/layers/${dense.key}/vars/0 has ${denseIn} inputs, not a multiple of the ${c} channels before the head`, { where: w.file });
    T = denseIn / c;
    notes.push(`spectrogram length not given: the Flatten ring buffer (${T} frames) was inferred from the Dense layer`);
  }
  net = oneStepBuffer(b, net, T, streamName());
  const nIn = T * c;
  denseHead(b, cur, dense, net, nIn);

  const left = cur.unused();
  if (left.length > 0) {
    throw new MwwError('input', `the flags do not match the weights: layer(s) ${left.map((l) => `/layers/${l.key} (${l.name ?? l.key})`).join(', ')} not used by the Inception architecture`, { where: w.file });
  }
  notes.push('Inception: SubSpectralNormalization folded into the preceding convolutions (same float function as TensorFlow\'s MUL + ADD form)');
  return { graph: b.g, notes };
}
