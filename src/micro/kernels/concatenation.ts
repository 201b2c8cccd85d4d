/** CONCATENATION: TFLM copies int8 inputs unchanged (the converter gives all of them the output's quantization). */
import { Activation } from '../../tflite/model.js';
import { shapeText } from '../tensor.js';
import { axisExtents, requireInt8 } from './common.js';
import type { EvalFn, OpContext } from './context.js';

export function prepareConcatenation(ctx: OpContext): EvalFn {
  const opts = ctx.options;
  if (!opts || opts.kind !== 'ConcatenationOptions') ctx.fail('CONCATENATION without ConcatenationOptions');
  if (opts.fusedActivation !== Activation.NONE) ctx.fail(`fused activation ${Activation[opts.fusedActivation]} on CONCATENATION is not supported`, 'unsupported');
  const out = ctx.output(0);
  requireInt8(ctx, out, 'output');
  const rank = out.shape.length;
  const axis = opts.axis < 0 ? opts.axis + rank : opts.axis;
  if (axis < 0 || axis >= rank) ctx.fail(`axis ${opts.axis} is out of range for output ${shapeText(out.shape)}`);
  const { outer, inner } = axisExtents(out.shape, axis);
  const inputs: Int8Array[] = [];
  const chunk: number[] = [];
  let axisTotal = 0;
  for (let k = 0; k < ctx.numInputs; k++) {
    const t = ctx.input(k);
    requireInt8(ctx, t, `input ${k}`);
    const ok = t.shape.length === rank && t.shape.every((d, i) => i === axis || d === out.shape[i]);
    if (!ok) ctx.fail(`input ${k} '${t.name}' ${shapeText(t.shape)} does not concatenate along axis ${axis} into ${shapeText(out.shape)}`);
    axisTotal += t.shape[axis]!;
    inputs.push(t.data as Int8Array);
    chunk.push(t.shape[axis]! * inner);
  }
  if (axisTotal !== out.shape[axis]) ctx.fail(`inputs add up to ${axisTotal} along axis ${axis}, output ${shapeText(out.shape)} has ${out.shape[axis]}`);
  const dst = out.data as Int8Array;
  const n = inputs.length;
  if (outer === 1) {
    const offsets = new Int32Array(n);
    let o = 0;
    for (let k = 0; k < n; k++) {
      offsets[k] = o;
      o += chunk[k]!;
    }
    return () => {
      for (let k = 0; k < n; k++) dst.set(inputs[k]!, offsets[k]);
    };
  }
  return () => {
    let o = 0;
    for (let b = 0; b < outer; b++) {
      for (let k = 0; k < n; k++) {
        const len = chunk[k]!;
        const src = inputs[k]!;
        const base = b * len;
        for (let i = 0; i < len; i++) dst[o + i] = src[base + i]!;
        o += len;
      }
    }
  };
}
