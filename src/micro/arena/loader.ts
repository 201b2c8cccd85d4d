/**
 * The arena-independent part of loading a model the way ESPHome does (MicroInterpreter + AllocateTensors on
 * esp-tflite-micro 1.3.3.1, 32-bit): the ordered list of what is taken from the arena — tail (persistent)
 * allocations with their alignment, head resizes, and the memory-planning step — derived from the model and
 * the target only. `simulate` (simulate.ts) then replays it against a concrete arena size.
 *
 * Not modelled: the temporary TfLiteTensors kernels allocate above the head during Prepare (a few hundred bytes,
 * always far below the planning step's AllocationInfo + planner working area, so they never set the minimum).
 */
import { MwwError } from '../../errors.js';
import { BuiltinOp, type TfliteModel } from '../../tflite/model.js';
import { opCodeOf, opName } from '../../tflite/ops.js';
import { opsOutsideResolver } from '../contract.js';
import { tensorBytes } from '../tensor.js';
import { KERNEL_SIZES, prepareEffects, resourceNames } from './kernels.js';
import { ALLOCATION_INFO_BYTES, buildAllocationInfo, type ScratchRequest, type TensorFacts } from './lifetimes.js';
import { PLANNER_BYTES_PER_BUFFER, planGreedy, type PlannerBuffer } from './planner.js';
import type { ArenaTarget } from './targets.js';

/** 32-bit sizes of the runtime's own objects (alignment 4 unless noted). */
export const STRUCT = Object.freeze({
  /** SingleArenaBufferAllocator: 2 vtable pointers, 5 pointers, int count, intptr checksum */
  singleArenaBufferAllocator: 36,
  /** GreedyMemoryPlanner: vtable, 2 ints, 4 array pointers, 2 ints, 1 pointer, bool */
  greedyMemoryPlanner: 44,
  /** MicroAllocator: vtable, 4 pointers, bool, size_t, pointer, size_t */
  microAllocator: 36,
  /** MicroBuiltinDataAllocator: vtable, pointer */
  builtinDataAllocator: 8,
  /** SubgraphAllocations: 2 pointers */
  subgraphAllocations: 8,
  /** TfLiteEvalTensor: data pointer, dims pointer, type */
  evalTensor: 12,
  /** NodeAndRegistration: TfLiteNode (static-memory build: 6 pointers + int) and a registration pointer */
  nodeAndRegistration: 32,
  /** internal::ScratchBufferRequest: size_t bytes, int node_idx, int subgraph_idx */
  scratchBufferRequest: 12,
  /** ScratchBufferHandle: one data pointer */
  scratchBufferHandle: 4,
  /** TfLiteTensor (static-memory build) */
  tfLiteTensor: 40,
  /** TfLiteAffineQuantization: scale pointer, zero_point pointer, quantized_dimension */
  affineQuantization: 12,
  /** MicroResourceVariables: pointer, 2 ints */
  microResourceVariables: 12,
  /** MicroResourceVariable: 3 pointers, size_t, int */
  microResourceVariable: 20,
});

/** kMaxScratchBuffersPerOp: the head always reserves room for this many more requests. */
export const MAX_SCRATCH_BUFFERS_PER_OP = 12;
/** MicroArenaBufferAlignment() */
export const ARENA_ALIGNMENT = 16;
/** ESPHome: MicroResourceVariables::Create(allocator, 20) in a 1024-byte arena. */
export const MAX_RESOURCE_VARIABLES = 20;
export const VARIABLE_ARENA_SIZE = 1024;

export type LoadStep =
  | { kind: 'tail'; size: number; align: number; what: string }
  | { kind: 'head'; size: number; what: string }
  | { kind: 'plan' };

export interface PlanningFacts {
  subgraphOffsetsBytes: number;
  allocationInfoBytes: number;
  allocationInfoCount: number;
  bufferCount: number;
  /** planner working area: 40 bytes per planned buffer */
  plannerBytes: number;
  /** GetMaximumMemorySize() of the plan: the head */
  head: number;
}

export interface OpScratch {
  subgraph: number;
  op: number;
  opName: string;
  bytes: number;
}

export interface LoadPlan {
  target: ArenaTarget;
  steps: LoadStep[];
  planning: PlanningFacts;
  scratch: OpScratch[];
  /** resource variables the model creates (distinct container/shared_name pairs) */
  variableCount: number;
  /** bytes of variable buffers taken from the main arena */
  variableBufferBytes: number;
}

function quantizedTensorSteps(model: TfliteModel, tensorIndex: number, what: string): LoadStep[] {
  const t = model.subgraphs[0]!.tensors[tensorIndex]!;
  const steps: LoadStep[] = [{ kind: 'tail', size: STRUCT.tfLiteTensor, align: 4, what: `TfLiteTensor (${what})` }];
  const q = t.quantization;
  if (q && q.scale.length > 0 && q.zeroPoint.length > 0) {
    steps.push({ kind: 'tail', size: STRUCT.affineQuantization, align: 4, what: `quantization (${what})` });
    steps.push({ kind: 'tail', size: 4 + 4 * q.scale.length, align: 4, what: `zero points (${what})` });
  }
  return steps;
}

export function buildLoadPlan(model: TfliteModel, target: ArenaTarget, source = 'model'): LoadPlan {
  if (model.subgraphs.length === 0) throw new MwwError('input', 'the model has no subgraphs', { where: source });
  const steps: LoadStep[] = [];
  const tail = (size: number, align: number, what: string): void => {
    steps.push({ kind: 'tail', size, align, what });
  };

  // MicroInterpreter constructor: MicroAllocator::Create(arena, size).
  tail(STRUCT.singleArenaBufferAllocator, 4, 'SingleArenaBufferAllocator');
  tail(STRUCT.greedyMemoryPlanner, 4, 'GreedyMemoryPlanner');
  tail(STRUCT.microAllocator, 4, 'MicroAllocator');

  // AllocateTensors → StartModelAllocation.
  tail(STRUCT.builtinDataAllocator, 4, 'MicroBuiltinDataAllocator');
  steps.push({ kind: 'head', size: STRUCT.scratchBufferRequest * MAX_SCRATCH_BUFFERS_PER_OP, what: 'scratch buffer requests' });
  tail(STRUCT.subgraphAllocations * model.subgraphs.length, 4, 'SubgraphAllocations');
  model.subgraphs.forEach((sg, si) => tail(STRUCT.evalTensor * sg.tensors.length, 4, `TfLiteEvalTensor × ${sg.tensors.length} (subgraph ${si})`));
  model.subgraphs.forEach((sg, si) =>
    tail(STRUCT.nodeAndRegistration * sg.operators.length, 4, `NodeAndRegistration × ${sg.operators.length} (subgraph ${si})`),
  );

  // Every op must resolve before anything else happens (GetRegistrationFromOpCode); KERNEL_SIZES covers all 20.
  const outside = opsOutsideResolver(model, source)[0];
  if (outside) {
    const { name, subgraph, index } = outside;
    throw new MwwError('unsupported', `operator ${name} (subgraph ${subgraph}, op ${index}) is not in ESPHome's op resolver; the model cannot load`, {
      where: source,
      details: { op: name, subgraph, index },
    });
  }

  // PrepareNodeAndRegistrationDataFromFlatbuffer: builtin params.
  model.subgraphs.forEach((sg) =>
    sg.operators.forEach((op) => {
      const code = opCodeOf(model, op);
      const p = KERNEL_SIZES[code]!.params;
      if (p) tail(p.size, p.align, `${opName(code)} params`);
    }),
  );
  // InitSubgraphs: each kernel's Init (AllocatePersistentBuffer is 16-aligned).
  model.subgraphs.forEach((sg) =>
    sg.operators.forEach((op) => {
      const code = opCodeOf(model, op);
      const init = KERNEL_SIZES[code]!.initBytes;
      if (init !== null) tail(init, ARENA_ALIGNMENT, `${opName(code)} op data`);
    }),
  );

  // PrepareSubgraphs.
  const scratch: ScratchRequest[] = [];
  const opScratch: OpScratch[] = [];
  const variables = new Map<string, number>();
  const handleNames = model.subgraphs.map((sg) => resourceNames(model, sg));
  const varHandleOutputs: Set<number>[] = model.subgraphs.map(() => new Set<number>());
  model.subgraphs.forEach((sg, si) => {
    const prepared = new Set<number>();
    sg.operators.forEach((op, oi) => {
      const code = opCodeOf(model, op);
      if (code === BuiltinOp.VAR_HANDLE) {
        const name = handleNames[si]!.get(op.outputs[0]!)!;
        if (!variables.has(name)) variables.set(name, -1);
        for (const t of op.outputs) {
          prepared.add(t);
          varHandleOutputs[si]!.add(t);
        }
      }
      for (const e of prepareEffects(model, sg, op, target, handleNames[si]!, prepared)) {
        if (e.kind === 'persistent') tail(e.bytes, ARENA_ALIGNMENT, `${opName(code)} ${e.what}`);
        else if (e.kind === 'scratch') {
          scratch.push({ bytes: e.bytes, subgraph: si, node: oi, what: e.what });
          opScratch.push({ subgraph: si, op: oi, opName: opName(code), bytes: e.bytes });
        } else if (variables.get(e.sharedName) === -1) {
          variables.set(e.sharedName, e.bytes);
          tail(e.bytes, ARENA_ALIGNMENT, `resource variable buffer ${e.sharedName.replace('\u0000', '')}`);
        }
      }
      steps.push({ kind: 'head', size: STRUCT.scratchBufferRequest * (scratch.length + MAX_SCRATCH_BUFFERS_PER_OP), what: 'scratch buffer requests' });
    });
  });

  // FinishModelAllocation: scratch handles, then (no is_variable tensors in these models) the plan.
  if (scratch.length > 0) tail(STRUCT.scratchBufferHandle * scratch.length, 4, `ScratchBufferHandle × ${scratch.length}`);
  for (const [si, sg] of model.subgraphs.entries()) {
    for (const t of sg.tensors) {
      if (t.isVariable) tail(tensorBytes(t), ARENA_ALIGNMENT, `variable tensor ${t.name} (subgraph ${si})`);
    }
  }

  const facts: TensorFacts[][] = model.subgraphs.map((sg, si) =>
    sg.tensors.map((t, ti) => ({
      bytes: tensorBytes(t),
      hasData: (model.buffers[t.buffer]?.length ?? 0) > 0 || varHandleOutputs[si]!.has(ti),
      isVariable: t.isVariable,
    })),
  );
  const infos = buildAllocationInfo(model, facts, scratch);
  const buffers: PlannerBuffer[] = infos
    .filter((i) => i.needsAllocating)
    .map((i) => ({ size: Math.ceil(i.bytes / ARENA_ALIGNMENT) * ARENA_ALIGNMENT, firstUsed: i.firstCreated, lastUsed: i.lastUsed }));
  const plan = planGreedy(buffers);
  steps.push({ kind: 'plan' });

  // After planning: input/output TfLiteTensors and their pointer arrays (AllocatePersistentBuffer: 16-aligned).
  const main = model.subgraphs[0]!;
  tail(4 * main.inputs.length, ARENA_ALIGNMENT, 'input tensor pointers');
  main.inputs.forEach((t, i) => steps.push(...quantizedTensorSteps(model, t, `input ${i}`)));
  tail(4 * main.outputs.length, ARENA_ALIGNMENT, 'output tensor pointers');
  main.outputs.forEach((t, i) => steps.push(...quantizedTensorSteps(model, t, `output ${i}`)));

  let variableBufferBytes = 0;
  for (const b of variables.values()) if (b > 0) variableBufferBytes += b;
  return {
    target,
    steps,
    planning: {
      subgraphOffsetsBytes: 4 * model.subgraphs.length,
      allocationInfoBytes: ALLOCATION_INFO_BYTES * infos.length,
      allocationInfoCount: infos.length,
      bufferCount: buffers.length,
      plannerBytes: PLANNER_BYTES_PER_BUFFER * buffers.length,
      head: plan.peak,
    },
    scratch: opScratch,
    variableCount: variables.size,
    variableBufferBytes,
  };
}
