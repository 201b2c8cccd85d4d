/** SPLIT_V: splits along one axis into the output tensors' sizes (int8 data is only moved). */
import { TensorType } from '../../tflite/model.js';
import { shapeText } from '../tensor.js';
import { axisExtents, requireConstant, requireType } from './common.js';
import type { EvalFn, OpContext } from './context.js';

export function prepareSplitV(ctx: OpContext): EvalFn {
  const input = ctx.input(0);
  const axisT = ctx.input(2);
  requireType(ctx, axisT, [TensorType.INT32, TensorType.INT64], 'axis');
  requireConstant(ctx, axisT, 'axis');
  const rank = input.shape.length;
  let axis = axisT.data[0]!;
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) ctx.fail(`axis ${axisT.data[0]} is out of range for input ${shapeText(input.shape)}`);
  const { outer, inner } = axisExtents(input.shape, axis);
  const outs: Array<typeof input.data> = [];
  const chunks: number[] = [];
  let total = 0;
  for (let k = 0; k < ctx.numOutputs; k++) {
    const t = ctx.output(k);
    if (t.type !== input.type) ctx.fail(`output ${k} '${t.name}' type differs from the input's`);
    const ok = t.shape.length === rank && t.shape.every((d, i) => i === axis || d === input.shape[i]);
    if (!ok) ctx.fail(`output ${k} '${t.name}' ${shapeText(t.shape)} is not a split of ${shapeText(input.shape)} along axis ${axis}`);
    total += t.shape[axis]!;
    outs.push(t.data);
    chunks.push(t.shape[axis]! * inner);
  }
  if (total !== input.shape[axis]) ctx.fail(`outputs add up to ${total} along axis ${axis}, input ${shapeText(input.shape)} has ${input.shape[axis]}`);
  const src = input.data;
  const n = outs.length;
  return () => {
    let o = 0;
    for (let b = 0; b < outer; b++) {
      for (let k = 0; k < n; k++) {
        const len = chunks[k]!;
        const dst = outs[k]!;
        const base = b * len;
        for (let i = 0; i < len; i++) dst[base + i] = src[o + i]!;
        o += len;
      }
    }
  };
}
