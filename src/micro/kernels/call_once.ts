/** CALL_ONCE: runs the init subgraph on the first invoke only (and again after reset()). */
import type { EvalFn, OpContext } from './context.js';

export function prepareCallOnce(ctx: OpContext): EvalFn {
  const opts = ctx.options;
  if (!opts || opts.kind !== 'CallOnceOptions') ctx.fail('CALL_ONCE without CallOnceOptions (init_subgraph_index)');
  const index = opts.initSubgraphIndex;
  if (!Number.isInteger(index) || index < 1 || index >= ctx.subgraphCount) {
    ctx.fail(`init_subgraph_index ${index} is out of range (the model has ${ctx.subgraphCount} subgraphs; subgraph 0 is the main graph)`);
  }
  let done = false;
  ctx.onReset(() => {
    done = false;
  });
  return () => {
    if (done) return;
    ctx.runSubgraph(index);
    done = true;
  };
}
