/** RESHAPE: same bytes, new shape (the output tensor's shape from the model). */
import { bytesOf, requireSameSize } from './common.js';
import type { EvalFn, OpContext } from './context.js';

export function prepareReshape(ctx: OpContext): EvalFn {
  const input = ctx.input(0);
  const out = ctx.output(0);
  if (input.type !== out.type) ctx.fail(`input '${input.name}' and output '${out.name}' have different types`);
  requireSameSize(ctx, input, out);
  const src = bytesOf(input);
  const dst = bytesOf(out);
  return () => {
    dst.set(src);
  };
}
