/**
 * microWakeWord's Inception (microwakeword/inception.py) as a Keras layer graph with weights, in the order the
 * Python code creates the layers: Stream-wrapped Conv2D cells, SubSpectralNormalization layers owning a
 * BatchNormalization (`/layers/sub_spectral_normalization_n/batch_norm/vars`), StridedDrop, Dropout, Dense.
 */
import type { InceptionFlags } from '../config.js';
import { KerasSession, type KOp, type WeightVar } from './graph.js';
import type { WeightInit } from './init.js';

const FEATURES = 40;

export function inceptionGraph(inc: InceptionFlags, finalFrames: number, init: WeightInit): KOp {
  const s = new KerasSession();
  const v = (role: Parameters<WeightInit>[0], shape: number[], fanIn: number): WeightVar => ({ shape, data: init(role, shape, fanIn) });
  const ssn = (x: KOp, groups: number) =>
    s.owner('sub_spectral_normalization', 'batch_norm', 'batch_normalization', [v('gamma', [groups], groups), v('beta', [groups], groups), v('moving_mean', [groups], groups), v('moving_variance', [groups], groups)], [x]);

  const input = s.input();
  let net = s.op('expand_dims', [input]);
  let channels = FEATURES;
  inc.cnn1Filters.forEach((filters, i) => {
    const k = inc.cnn1KernelSizes[i]!;
    net = s.wrapper('stream', 'conv2d', [v('kernel', [k, 1, channels, filters], k * channels)], [net]);
    net = s.layer('activation', [ssn(net, inc.cnn1Subgroups[i]!)]);
    channels = filters;
  });
  /** conv2d_bn: 1×1 Conv2D, SSN, ReLU. */
  const conv1x1 = (x: KOp, cin: number, filters: number, groups: number) => s.layer('activation', [ssn(s.layer('conv2d', [x], [v('kernel', [1, 1, cin, filters], cin)]), groups)]);
  /** conv2d_bn_delay (padding "None": no Delay layer): Stream(Conv2D k×1), SSN, ReLU. */
  const convK = (x: KOp, k: number, cin: number, filters: number, groups: number) =>
    s.layer('activation', [ssn(s.wrapper('stream', 'conv2d', [v('kernel', [k, 1, cin, filters], k * cin)], [x]), groups)]);
  inc.cnn2Filters1.forEach((f1, i) => {
    const k = inc.cnn2KernelSizes[i]!;
    const g = inc.cnn2Subgroups[i]!;
    const b1 = conv1x1(net, channels, f1, g);
    let b2 = conv1x1(net, channels, f1, g);
    b2 = convK(b2, k, f1, f1, g);
    let b3 = conv1x1(net, channels, f1, g);
    b3 = convK(b3, k, f1, f1, g);
    b3 = convK(b3, k, f1, f1, g);
    const d1 = s.layer('strided_drop', [b1]);
    const d2 = s.layer('strided_drop', [b2]);
    net = s.layer('concatenate', [d1, d2, b3]);
    net = conv1x1(net, 3 * f1, inc.cnn2Filters2[i]!, 1);
    channels = inc.cnn2Filters2[i]!;
  });
  net = s.wrapper('stream', 'flatten', [], [net]);
  net = s.layer('dropout', [net]);
  const nIn = finalFrames * channels;
  return s.layer('dense', [net], [v('kernel', [nIn, 1], nIn), v('bias', [1], nIn)]);
}
