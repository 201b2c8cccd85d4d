/** READ_VARIABLE: copies a resource variable's bytes into the output tensor. */
import { shapeText } from '../tensor.js';
import { bytesOf } from './common.js';
import type { EvalFn, OpContext } from './context.js';

export function prepareReadVariable(ctx: OpContext): EvalFn {
  const handle = ctx.input(0);
  const out = ctx.output(0);
  const id = ctx.resourceIdOf(handle);
  const dst = bytesOf(out);
  const vars = ctx.variables;
  ctx.afterPrepare(() => {
    const buf = vars.buffers[id];
    if (!buf) ctx.fail(`resource variable '${vars.name(id)}' is read but no ASSIGN_VARIABLE ever writes it`);
    if (buf.byteLength !== dst.byteLength) {
      ctx.fail(`resource variable '${vars.name(id)}' holds ${buf.byteLength} bytes but output '${out.name}' ${shapeText(out.shape)} needs ${dst.byteLength}`);
    }
  });
  const buffers = vars.buffers;
  return () => {
    dst.set(buffers[id]!);
  };
}
