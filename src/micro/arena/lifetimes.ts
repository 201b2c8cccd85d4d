/**
 * TFLM's AllocationInfoBuilder: one AllocationInfo per tensor of every subgraph (in subgraph order) followed by
 * one per scratch-buffer request, and the lifetimes MarkAllocationLifetimes gives them. Allocation scopes count
 * up by one per operator; a CALL_ONCE (or IF/WHILE) op enters its subgraph(s) in a new scope right after its own
 * outputs are created, so the init subgraph's buffers live inside the CALL_ONCE's scope range.
 */
import { BuiltinOp, type TfliteModel } from '../../tflite/model.js';
import { opCodeOf } from '../../tflite/ops.js';

export interface AllocationInfo {
  subgraph: number;
  /** tensor index, or -1 for a scratch buffer */
  tensor: number;
  /** scratch request index, or -1 for a tensor */
  scratch: number;
  bytes: number;
  firstCreated: number;
  lastUsed: number;
  needsAllocating: boolean;
}

export interface ScratchRequest {
  bytes: number;
  subgraph: number;
  node: number;
  what: string;
}

/** Bytes of one AllocationInfo on 32-bit: size_t bytes, void** output_ptr, 3 int32, bool → 24. */
export const ALLOCATION_INFO_BYTES = 24;

export interface TensorFacts {
  bytes: number;
  /** the eval tensor has data before planning (constant buffer, or a VAR_HANDLE output pointing at its op data) */
  hasData: boolean;
  isVariable: boolean;
}

export function buildAllocationInfo(
  model: TfliteModel,
  tensorFacts: TensorFacts[][],
  scratch: readonly ScratchRequest[],
): AllocationInfo[] {
  const offsets: number[] = [];
  const infos: AllocationInfo[] = [];
  model.subgraphs.forEach((sg, si) => {
    offsets.push(infos.length);
    sg.tensors.forEach((_, ti) => {
      const f = tensorFacts[si]![ti]!;
      infos.push({
        subgraph: si,
        tensor: ti,
        scratch: -1,
        bytes: f.bytes,
        firstCreated: -1,
        lastUsed: -1,
        needsAllocating: !f.hasData && !f.isVariable && f.bytes !== 0,
      });
    });
  });
  const scratchOffset = infos.length;
  scratch.forEach((r, i) =>
    infos.push({ subgraph: r.subgraph, tensor: -1, scratch: i, bytes: 0, firstCreated: -1, lastUsed: -1, needsAllocating: true }),
  );

  let scope = 0;
  const created = (info: AllocationInfo, s: number): void => {
    info.firstCreated = s;
    info.lastUsed = s;
  };
  const used = (info: AllocationInfo, s: number): void => {
    info.lastUsed = s;
  };

  const mark = (si: number): void => {
    const sg = model.subgraphs[si]!;
    const at = (t: number): AllocationInfo => infos[offsets[si]! + t]!;
    for (const t of sg.inputs) created(at(t), scope);
    for (const t of sg.outputs) created(at(t), scope);
    sg.operators.forEach((op, i) => {
      scope++;
      for (const t of op.outputs) created(at(t), scope);
      const startScope = scope;
      const o = op.builtinOptions;
      const code = opCodeOf(model, op);
      if (code === BuiltinOp.CALL_ONCE && o && o.kind === 'CallOnceOptions') {
        scope++;
        mark(o.initSubgraphIndex);
      }
      for (const t of op.inputs) if (t >= 0) used(at(t), scope);
      for (const t of op.outputs) used(at(t), scope);
      scratch.forEach((r, k) => {
        if (r.node === i && r.subgraph === si) {
          const info = infos[scratchOffset + k]!;
          info.bytes = r.bytes;
          created(info, startScope);
          used(info, scope);
        }
      });
    });
    for (const t of sg.outputs) used(at(t), scope);
  };
  mark(0);
  return infos;
}
