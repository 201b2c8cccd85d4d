/** Per-channel output multipliers of CONV_2D / DEPTHWISE_CONV_2D (TFLM PopulateConvolutionQuantizationParams). */
import { quantizeMultiplier } from '../math/quantize.js';
import type { RuntimeTensor } from '../tensor.js';
import type { OpContext } from './context.js';

export interface ChannelMultipliers {
  multiplier: Int32Array;
  shift: Int32Array;
}

export function perChannelMultipliers(ctx: OpContext, input: RuntimeTensor, filter: RuntimeTensor, output: RuntimeTensor, channels: number, channelDim: number): ChannelMultipliers {
  const scales = filter.scales;
  if (!scales || scales.length === 0) ctx.fail(`filter tensor '${filter.name}' has no quantization scales`);
  const perChannel = scales.length > 1;
  if (perChannel) {
    if (scales.length !== channels) ctx.fail(`filter '${filter.name}' has ${scales.length} per-channel scales for ${channels} output channels`);
    if (filter.quantizedDimension !== channelDim) {
      ctx.fail(`filter '${filter.name}' is quantized along dimension ${filter.quantizedDimension}, expected ${channelDim}`);
    }
  }
  const multiplier = new Int32Array(channels);
  const shift = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const filterScale = perChannel ? scales[c]! : scales[0]!;
    const q = quantizeMultiplier((input.scale * filterScale) / output.scale);
    multiplier[c] = q.multiplier;
    shift[c] = q.shift;
  }
  return { multiplier, shift };
}
