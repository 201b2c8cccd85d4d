/**
 * DEPTHWISE_CONV_2D, int8 per-channel: TFLM reference_integer_ops::DepthwiseConvPerChannel.
 * Output channel oc = ic·depth_multiplier + m reads input channel ic; weights [1, kH, kW, C·M].
 * Eval walks the valid taps of each output position with an Int32Array accumulator per channel.
 */
import { multiplyByQuantizedMultiplier } from '../math/fixedpoint.js';
import { activationRangeQuantized } from '../math/quantize.js';
import { shapeText } from '../tensor.js';
import { convOperands, convWindow } from './common.js';
import type { EvalFn, OpContext } from './context.js';
import { perChannelMultipliers } from './quant_params.js';

export function prepareDepthwiseConv2D(ctx: OpContext): EvalFn {
  const opts = ctx.options;
  if (!opts || opts.kind !== 'DepthwiseConv2DOptions') ctx.fail('DEPTHWISE_CONV_2D without DepthwiseConv2DOptions');
  const ops = convOperands(ctx);
  const { input, filter, bias, out } = ops;
  const inC = input.shape[3]!;
  const [one, , , outC] = filter.shape as [number, number, number, number];
  if (one !== 1) ctx.fail(`filter '${filter.name}' ${shapeText(filter.shape)} must have first dimension 1`);
  if (inC <= 0 || outC % inC !== 0) ctx.fail(`filter depth ${outC} is not a multiple of the input depth ${inC}`);
  const mult = outC / inC;
  if (opts.depthMultiplier > 0 && opts.depthMultiplier !== mult) {
    ctx.fail(`depth_multiplier ${opts.depthMultiplier} does not match filter depth ${outC} / input depth ${inC}`);
  }
  const { positions, tapStart: tStart, tapInput: tIn, tapIndex } = convWindow(ctx, opts, ops, outC);
  const { multiplier, shift } = perChannelMultipliers(ctx, input, filter, out, outC, 3);
  const [actMin, actMax] = activationRangeQuantized(opts.fusedActivation, out.type, out.scale, out.zeroPoint);
  const inputOffset = -input.zeroPoint;
  const outputOffset = out.zeroPoint;
  const w = filter.data as Int8Array;
  const b = bias ? (bias.data as Int32Array) : null;

  // Filter offset (channel 0) of each tap, and per (position, channel) the constant bias − x_zp·Σw.
  const tFilter = tapIndex.map((k) => k * outC);
  const constPart = new Int32Array(positions * outC);
  for (let pos = 0; pos < positions; pos++) {
    for (let oc = 0; oc < outC; oc++) {
      let sum = 0;
      for (let t = tStart[pos]!; t < tStart[pos + 1]!; t++) sum += w[tFilter[t]! + oc]!;
      constPart[pos * outC + oc] = (b ? b[oc]! : 0) + inputOffset * sum;
    }
  }
  const acc = new Int32Array(outC);
  const x = input.data as Int8Array;
  const y = out.data as Int8Array;

  // Taps of a position usually form an arithmetic progression in both input and filter (a k×1 column):
  // then each channel is one strided dot product with its accumulator in a register.
  const apInStep = new Int32Array(positions);
  const apFilterStep = new Int32Array(positions);
  const apOk = new Uint8Array(positions);
  for (let pos = 0; pos < positions; pos++) {
    const t0 = tStart[pos]!;
    const t1 = tStart[pos + 1]!;
    const inStep = t1 - t0 > 1 ? tIn[t0 + 1]! - tIn[t0]! : 0;
    const fStep = t1 - t0 > 1 ? tFilter[t0 + 1]! - tFilter[t0]! : 0;
    let ok = true;
    for (let t = t0 + 1; t < t1 && ok; t++) ok = tIn[t]! - tIn[t - 1]! === inStep && tFilter[t]! - tFilter[t - 1]! === fStep;
    apOk[pos] = ok ? 1 : 0;
    apInStep[pos] = inStep;
    apFilterStep[pos] = fStep;
  }

  return () => {
    for (let pos = 0; pos < positions; pos++) {
      const outBase = pos * outC;
      const t0 = tStart[pos]!;
      if (apOk[pos] === 1) {
        const count = tStart[pos + 1]! - t0;
        const inStep = apInStep[pos]!;
        const fStep = apFilterStep[pos]!;
        const xBase = count > 0 ? tIn[t0]! : 0;
        const wBase = count > 0 ? tFilter[t0]! : 0;
        for (let oc = 0; oc < outC; oc++) {
          let a = constPart[outBase + oc]!;
          let xi = xBase + (mult === 1 ? oc : (oc / mult) | 0);
          let wi = wBase + oc;
          for (let t = 0; t < count; t++) {
            a += w[wi]! * x[xi]!;
            xi += inStep;
            wi += fStep;
          }
          let v = multiplyByQuantizedMultiplier(a | 0, multiplier[oc]!, shift[oc]!) + outputOffset;
          if (v < actMin) v = actMin;
          else if (v > actMax) v = actMax;
          y[outBase + oc] = v;
        }
        continue;
      }
      for (let oc = 0; oc < outC; oc++) acc[oc] = constPart[outBase + oc]!;
      const t1 = tStart[pos + 1]!;
      for (let t = tStart[pos]!; t < t1; t++) {
        const xi = tIn[t]!;
        const wi = tFilter[t]!;
        if (mult === 1) {
          for (let c = 0; c < outC; c++) acc[c] = acc[c]! + w[wi + c]! * x[xi + c]!;
        } else {
          for (let c = 0; c < outC; c++) acc[c] = acc[c]! + w[wi + c]! * x[xi + ((c / mult) | 0)]!;
        }
      }
      for (let oc = 0; oc < outC; oc++) {
        let v = multiplyByQuantizedMultiplier(acc[oc]!, multiplier[oc]!, shift[oc]!) + outputOffset;
        if (v < actMin) v = actMin;
        else if (v > actMax) v = actMax;
        y[outBase + oc] = v;
      }
    }
  };
}
