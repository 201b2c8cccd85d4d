/**
 * Per-output-channel multipliers of the weighted int8 kernels: CONV_2D / DEPTHWISE_CONV_2D (TFLM
 * PopulateConvolutionQuantizationParams) and FULLY_CONNECTED (CalculateOpDataFullyConnected).
 */
import { quantizeMultiplier } from '../math/quantize.js';
import type { RuntimeTensor } from '../tensor.js';
import type { OpContext } from './context.js';

export interface ChannelMultipliers {
  multiplier: Int32Array;
  shift: Int32Array;
}

export interface WeightsRole {
  /** how messages name the weights operand */
  operand: string;
  /** how messages name the output channels */
  channelsName: string;
  /**
   * Per-tensor weights: TFLM's GetQuantizedConvolutionMultipler (FULLY_CONNECTED) multiplies the two float32
   * scales in float32 before widening to double, PopulateConvolutionQuantizationParams multiplies in double.
   * The products can differ in the last bits, so each kernel keeps its own to stay bit-exact.
   */
  perTensorFloat32Product: boolean;
}

/** The convolutions' role (CONV_2D, DEPTHWISE_CONV_2D). */
export const CONV_FILTER: WeightsRole = Object.freeze({ operand: 'filter', channelsName: 'output channels', perTensorFloat32Product: false });
/** FULLY_CONNECTED's role. */
export const FC_WEIGHTS: WeightsRole = Object.freeze({ operand: 'weights', channelsName: 'units', perTensorFloat32Product: true });

/**
 * @param channelDim the filter dimension per-channel scales must run along (TFLM checks it for convolutions);
 *   null: not checked (FULLY_CONNECTED)
 */
export function perChannelMultipliers(
  ctx: OpContext,
  input: RuntimeTensor,
  filter: RuntimeTensor,
  output: RuntimeTensor,
  channels: number,
  channelDim: number | null,
  role: WeightsRole = CONV_FILTER,
): ChannelMultipliers {
  const scales = filter.scales;
  if (!scales || scales.length === 0) ctx.fail(`${role.operand} tensor '${filter.name}' has no quantization scales`);
  const multiplier = new Int32Array(channels);
  const shift = new Int32Array(channels);
  if (scales.length > 1) {
    if (scales.length !== channels) ctx.fail(`${role.operand} '${filter.name}' has ${scales.length} per-channel scales for ${channels} ${role.channelsName}`);
    if (channelDim !== null && filter.quantizedDimension !== channelDim) {
      ctx.fail(`${role.operand} '${filter.name}' is quantized along dimension ${filter.quantizedDimension}, expected ${channelDim}`);
    }
    for (let c = 0; c < channels; c++) {
      const q = quantizeMultiplier((input.scale * scales[c]!) / output.scale);
      multiplier[c] = q.multiplier;
      shift[c] = q.shift;
    }
  } else {
    // One scale (filter.scale, TfLiteTensor.params.scale): the same multiplier for every channel.
    const product = role.perTensorFloat32Product ? Math.fround(input.scale * scales[0]!) : input.scale * scales[0]!;
    const q = quantizeMultiplier(product / output.scale);
    multiplier.fill(q.multiplier);
    shift.fill(q.shift);
  }
  return { multiplier, shift };
}
