/**
 * CONV_2D, int8 with per-channel int8 weights and int32 bias: TFLM reference_integer_ops::ConvPerChannel.
 * acc = bias + Σ w·(x − x_zp) over the taps inside the image, then MultiplyByQuantizedMultiplier, + out_zp, clamp.
 * Prepare splits that sum into a constant part (bias − x_zp·Σw, per output position and channel) and Σ w·x,
 * and merges taps that are contiguous in both input and filter into runs, so eval is a few long dot products.
 */
import { multiplyByQuantizedMultiplier } from '../math/fixedpoint.js';
import { activationRangeQuantized } from '../math/quantize.js';
import { convOperands, convWindow } from './common.js';
import type { EvalFn, OpContext } from './context.js';
import { perChannelMultipliers } from './quant_params.js';

/** Σ w[wi+k]·x[xi+k] for k < len, four independent partial sums so the loop pipelines. */
function dot(w: Int8Array, wi: number, x: Int8Array, xi: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const end4 = wi + (len & ~3);
  const d = xi - wi;
  for (; wi < end4; wi += 4) {
    s0 += w[wi]! * x[wi + d]!;
    s1 += w[wi + 1]! * x[wi + d + 1]!;
    s2 += w[wi + 2]! * x[wi + d + 2]!;
    s3 += w[wi + 3]! * x[wi + d + 3]!;
  }
  const end = end4 + (len & 3);
  for (; wi < end; wi++) s0 += w[wi]! * x[wi + d]!;
  return s0 + s1 + s2 + s3;
}

export function prepareConv2D(ctx: OpContext): EvalFn {
  const opts = ctx.options;
  if (!opts || opts.kind !== 'Conv2DOptions') ctx.fail('CONV_2D without Conv2DOptions');
  const ops = convOperands(ctx);
  const { input, filter, bias, out } = ops;
  const inC = input.shape[3]!;
  const [outC, kH, kW, filterC] = filter.shape as [number, number, number, number];
  if (filterC <= 0 || inC % filterC !== 0) ctx.fail(`input depth ${inC} is not a multiple of the filter depth ${filterC}`);
  const groups = inC / filterC;
  if (outC % groups !== 0) ctx.fail(`${outC} output channels do not divide into ${groups} groups`);
  const outPerGroup = outC / groups;
  const { positions, tapStart, tapInput, tapIndex } = convWindow(ctx, opts, ops, outC);
  const { multiplier, shift } = perChannelMultipliers(ctx, input, filter, out, outC, 0);
  const [actMin, actMax] = activationRangeQuantized(opts.fusedActivation, out.type, out.scale, out.zeroPoint);
  const inputOffset = -input.zeroPoint;
  const outputOffset = out.zeroPoint;
  const w = filter.data as Int8Array;
  const b = bias ? (bias.data as Int32Array) : null;
  const filterStride = kH * kW * filterC;

  // Per output position: runs (input offset, filter offset within one output channel, length) of valid taps,
  // and per (position, channel) the constant bias − x_zp·Σw part of the accumulator.
  const runStart: number[] = [0];
  const runIn: number[] = [];
  const runFilter: number[] = [];
  const runLen: number[] = [];
  const constPart = new Int32Array(positions * outC);
  for (let pos = 0; pos < positions; pos++) {
    const t0 = tapStart[pos]!;
    const t1 = tapStart[pos + 1]!;
    for (let t = t0; t < t1; t++) {
      const io = tapInput[t]!;
      const fo = tapIndex[t]! * filterC;
      const last = runIn.length - 1;
      if (groups === 1 && last >= runStart[pos]! && runIn[last]! + runLen[last]! === io && runFilter[last]! + runLen[last]! === fo) {
        runLen[last] = runLen[last]! + filterC;
      } else {
        runIn.push(io);
        runFilter.push(fo);
        runLen.push(filterC);
      }
    }
    runStart.push(runIn.length);
    for (let oc = 0; oc < outC; oc++) {
      let sum = 0;
      for (let t = t0; t < t1; t++) {
        const fo = oc * filterStride + tapIndex[t]! * filterC;
        for (let ic = 0; ic < filterC; ic++) sum += w[fo + ic]!;
      }
      constPart[pos * outC + oc] = (b ? b[oc]! : 0) + inputOffset * sum;
    }
  }
  const rStart = Int32Array.from(runStart);
  const rIn = Int32Array.from(runIn);
  const rFilter = Int32Array.from(runFilter);
  const rLen = Int32Array.from(runLen);
  const x = input.data as Int8Array;
  const y = out.data as Int8Array;

  return () => {
    for (let pos = 0; pos < positions; pos++) {
      const r0 = rStart[pos]!;
      const r1 = rStart[pos + 1]!;
      const outBase = pos * outC;
      for (let oc = 0; oc < outC; oc++) {
        let acc = constPart[outBase + oc]!;
        const wBase = oc * filterStride;
        const icBase = groups === 1 ? 0 : ((oc / outPerGroup) | 0) * filterC;
        for (let r = r0; r < r1; r++) acc += dot(w, wBase + rFilter[r]!, x, rIn[r]! + icBase, rLen[r]!);
        let v = multiplyByQuantizedMultiplier(acc | 0, multiplier[oc]!, shift[oc]!) + outputOffset;
        if (v < actMin) v = actMin;
        else if (v > actMax) v = actMax;
        y[outBase + oc] = v;
      }
    }
  };
}
