/**
 * FULLY_CONNECTED, int8: TFLM reference_integer_ops::FullyConnected (per-tensor weights) or
 * FullyConnectedPerChannel (more than one weight scale). Note the per-tensor multiplier: TFLM multiplies the two
 * float32 scales in float32 (GetQuantizedConvolutionMultipler) before dividing in double (FC_WEIGHTS says so).
 */
import { multiplyByQuantizedMultiplier } from '../math/fixedpoint.js';
import { activationRangeQuantized } from '../math/quantize.js';
import { shapeText } from '../tensor.js';
import { requireBias, requireRank, weightedLayerOperands } from './common.js';
import type { EvalFn, OpContext } from './context.js';
import { FC_WEIGHTS, perChannelMultipliers } from './quant_params.js';

export function prepareFullyConnected(ctx: OpContext): EvalFn {
  const opts = ctx.options;
  if (!opts || opts.kind !== 'FullyConnectedOptions') ctx.fail('FULLY_CONNECTED without FullyConnectedOptions');
  if (opts.weightsFormat !== 0) ctx.fail(`weights_format ${opts.weightsFormat} (shuffled) is not supported`, 'unsupported');
  const ops = weightedLayerOperands(ctx, 'weights');
  const { input, filter, bias, out } = ops;
  requireRank(ctx, filter, 2, 'weights');
  const [units, depth] = filter.shape as [number, number];
  if (depth <= 0 || input.size % depth !== 0) ctx.fail(`input '${input.name}' ${shapeText(input.shape)} is not a whole number of rows of depth ${depth}`);
  const batches = input.size / depth;
  if (out.size !== batches * units) ctx.fail(`output '${out.name}' ${shapeText(out.shape)} should hold ${batches}×${units} values`);
  requireBias(ctx, bias, units, 'units');
  const { multiplier, shift } = perChannelMultipliers(ctx, input, filter, out, units, null, FC_WEIGHTS);
  const [actMin, actMax] = activationRangeQuantized(opts.fusedActivation, out.type, out.scale, out.zeroPoint);
  const inputOffset = -input.zeroPoint;
  const filterOffset = -filter.zeroPoint;
  const outputOffset = out.zeroPoint;
  const w = filter.data as Int8Array;
  const b = bias ? (bias.data as Int32Array) : null;
  // Σ (w + w_off)(x + x_off) = Σ w·x + x_off·Σw + w_off·Σx + depth·w_off·x_off; the parts without x are constant.
  const constPart = new Int32Array(units);
  for (let u = 0; u < units; u++) {
    let sum = 0;
    for (let d = 0; d < depth; d++) sum += w[u * depth + d]!;
    constPart[u] = (b ? b[u]! : 0) + inputOffset * sum + depth * filterOffset * inputOffset;
  }
  const x = input.data as Int8Array;
  const y = out.data as Int8Array;
  return () => {
    for (let n = 0; n < batches; n++) {
      const xBase = n * depth;
      let xSum = 0;
      if (filterOffset !== 0) for (let d = 0; d < depth; d++) xSum += x[xBase + d]!;
      for (let u = 0; u < units; u++) {
        let acc = constPart[u]! + filterOffset * xSum;
        let wi = u * depth;
        let xi = xBase;
        const end = wi + depth;
        while (wi < end) acc += w[wi++]! * x[xi++]!;
        let v = multiplyByQuantizedMultiplier(acc | 0, multiplier[u]!, shift[u]!) + outputOffset;
        if (v < actMin) v = actMin;
        else if (v > actMax) v = actMax;
        y[n * units + u] = v;
      }
    }
  };
}
