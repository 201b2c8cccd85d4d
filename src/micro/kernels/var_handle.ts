/** VAR_HANDLE: resolves (container, shared_name) to a resource variable id (TFLM CreateIdIfNoneFound). */
import { TensorType } from '../../tflite/model.js';
import type { EvalFn, OpContext } from './context.js';

export function prepareVarHandle(ctx: OpContext): EvalFn {
  const opts = ctx.options;
  if (!opts || opts.kind !== 'VarHandleOptions') ctx.fail('VAR_HANDLE without VarHandleOptions (container / shared_name)');
  const out = ctx.output(0);
  if (out.type !== TensorType.RESOURCE) ctx.fail(`output tensor '${out.name}' must be a RESOURCE tensor`);
  const id = ctx.variables.idFor(opts.container, opts.sharedName);
  ctx.setResourceId(out, id);
  const data = out.data;
  return () => {
    data[0] = id;
  };
}
