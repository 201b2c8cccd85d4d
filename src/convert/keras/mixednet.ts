/**
 * microWakeWord's MixedNet (microwakeword/mixednet.py) as a Keras layer graph with weights, layer for layer in
 * the order the Python code creates them, so the weights file it yields has the same groups, keys, names and
 * shapes a real training run would save. Used to write the demo checkpoint and the converter's test fixtures.
 */
import { channelSplit, finalFrames, type ModelFlags } from '../config.js';
import { KerasSession, type KOp, type WeightVar } from './graph.js';
import type { WeightInit } from './init.js';

const FEATURES = 40;

/** Build the training-mode MixedNet graph; returns the output op (the Dense layer). */
export function mixedNetGraph(f: ModelFlags, spectrogramLength: number, init: WeightInit): KOp {
  return mixedNetGraphForFrames(f, finalFrames(f, spectrogramLength), init);
}

/** The same graph, given the frames left before the head (T) instead of the spectrogram length. */
export function mixedNetGraphForFrames(f: ModelFlags, T: number, init: WeightInit): KOp {
  const s = new KerasSession();
  const v = (role: Parameters<WeightInit>[0], shape: number[], fanIn: number): WeightVar => ({ shape, data: init(role, shape, fanIn) });
  const bnVars = (c: number): WeightVar[] => [v('gamma', [c], c), v('beta', [c], c), v('moving_mean', [c], c), v('moving_variance', [c], c)];

  const input = s.input();
  let net = s.op('expand_dims', [input]);
  let channels = FEATURES;
  if (f.firstConvFilters > 0) {
    const k = f.firstConvKernelSize;
    net = s.wrapper('stream', 'conv2d', [v('kernel', [k, 1, FEATURES, f.firstConvFilters], k * FEATURES)], [net]);
    net = s.layer('activation', [net]);
    channels = f.firstConvFilters;
  }

  f.pointwiseFilters.forEach((filters, bi) => {
    const ks = f.mixconvKernelSizes[bi]!;
    const res = f.residualConnection[bi] !== 0;
    let residual: KOp | undefined;
    if (res) {
      residual = s.layer('conv2d', [net], [v('kernel', [1, 1, channels, filters], channels)]);
      residual = s.layer('batch_normalization', [residual], bnVars(filters));
    }
    for (let r = 0; r < f.repeatInBlock[bi]!; r++) {
      if (Math.max(...ks) > 1) {
        net = s.wrapper('stream', 'identity', [], [net]);
        if (ks.length === 1) {
          net = s.layer('depthwise_conv2d', [net], [v('kernel', [ks[0]!, 1, channels, 1], ks[0]!), v('bias', [channels], ks[0]!)]);
        } else {
          const splits = channelSplit(channels, ks.length);
          const split = s.layer('channel_split', [net]);
          const outs = ks.map((k, i) => {
            const keep = s.layer('strided_keep', [split]);
            return s.layer('depthwise_conv2d', [keep], [v('kernel', [k, 1, splits[i]!, 1], k), v('bias', [splits[i]!], k)]);
          });
          const dropped = outs.map((o) => s.layer('strided_drop', [o]));
          net = s.layer('concatenate', dropped);
        }
      }
      net = s.layer('conv2d', [net], [v('kernel', [1, 1, channels, filters], channels)]);
      net = s.layer('batch_normalization', [net], bnVars(filters));
      channels = filters;
      if (residual) {
        residual = s.layer('strided_drop', [residual]);
        net = s.op('add', [net, residual]);
      }
      net = s.layer('activation', [net]);
    }
  });

  let t = T;
  if (T > 1) {
    if (f.spatialAttention) {
      const inputs = net;
      const transposed = s.op('transpose', [inputs]);
      const avg = s.layer('average_pooling2d', [transposed]);
      const max = s.layer('max_pooling2d', [transposed]);
      const pooled = s.layer('concatenate', [avg, max]);
      const attention = s.wrapper('stream', 'conv2d', [v('kernel', [4, 1, 2, 1], 8)], [pooled]);
      const buffered = s.wrapper('stream', 'identity', [], [inputs]);
      const kept = s.op('get_item', [buffered]);
      net = s.op('multiply', [kept, attention]);
      t = T - 3;
    } else {
      net = s.wrapper('stream', 'identity', [], [net]);
    }
    if (f.pooled) {
      net = s.layer(f.maxPool ? 'max_pooling2d' : 'average_pooling2d', [net]);
      t = 1;
    }
  }
  net = s.layer('flatten', [net]);
  const nIn = t * channels;
  return s.layer('dense', [net], [v('kernel', [nIn, 1], nIn), v('bias', [1], nIn)]);
}
