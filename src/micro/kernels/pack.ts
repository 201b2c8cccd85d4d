/** PACK (TFLM pack.cc): stacks N equally shaped tensors along a new axis; int8 data is only moved. */
import { shapeText } from '../tensor.js';
import { axisExtents, requireInt8 } from './common.js';
import type { EvalFn, OpContext } from './context.js';

export function preparePack(ctx: OpContext): EvalFn {
  const opts = ctx.options;
  if (!opts || opts.kind !== 'PackOptions') ctx.fail('PACK without PackOptions');
  const out = ctx.output(0);
  requireInt8(ctx, out, 'output');
  const n = ctx.numInputs;
  if (opts.valuesCount !== n) ctx.fail(`values_count ${opts.valuesCount} but the operator has ${n} inputs`);
  const first = ctx.input(0);
  const rank = first.shape.length;
  const axis = opts.axis < 0 ? opts.axis + rank + 1 : opts.axis;
  if (axis < 0 || axis > rank) ctx.fail(`axis ${opts.axis} is out of range for inputs ${shapeText(first.shape)}`);
  const expected = [...first.shape.slice(0, axis), n, ...first.shape.slice(axis)];
  if (out.shape.length !== expected.length || out.shape.some((d, i) => d !== expected[i])) {
    ctx.fail(`output '${out.name}' has shape ${shapeText(out.shape)}, packing ${n} × ${shapeText(first.shape)} on axis ${axis} gives ${shapeText(expected)}`);
  }
  const inputs: Int8Array[] = [];
  for (let k = 0; k < n; k++) {
    const t = ctx.input(k);
    requireInt8(ctx, t, `input ${k}`);
    if (t.shape.length !== rank || t.shape.some((d, i) => d !== first.shape[i])) ctx.fail(`input ${k} '${t.name}' ${shapeText(t.shape)} differs from input 0 ${shapeText(first.shape)}`);
    inputs.push(t.data as Int8Array);
  }
  // Each input contributes one `inner` run per outer index (the output's extents around the new axis).
  const { outer, inner } = axisExtents(out.shape, axis);
  const y = out.data as Int8Array;
  return () => {
    let o = 0;
    for (let b = 0; b < outer; b++) {
      const base = b * inner;
      for (let k = 0; k < n; k++) {
        const src = inputs[k]!;
        for (let i = 0; i < inner; i++) y[o++] = src[base + i]!;
      }
    }
  };
}
