/** ASSIGN_VARIABLE: copies the value tensor into a resource variable (allocated by the first ASSIGN prepared). */
import { shapeText } from '../tensor.js';
import { bytesOf } from './common.js';
import type { EvalFn, OpContext } from './context.js';

export function prepareAssignVariable(ctx: OpContext): EvalFn {
  const handle = ctx.input(0);
  const value = ctx.input(1);
  const id = ctx.resourceIdOf(handle);
  const src = bytesOf(value);
  const buf = ctx.variables.allocate(id, src.byteLength);
  if (buf.byteLength !== src.byteLength) {
    ctx.fail(`resource variable '${ctx.variables.name(id)}' holds ${buf.byteLength} bytes but value '${value.name}' ${shapeText(value.shape)} has ${src.byteLength}`);
  }
  return () => {
    buf.set(src);
  };
}
