/**
 * Replays a LoadPlan against an arena of N bytes the way SingleArenaBufferAllocator spends it: the head
 * (non-persistent, from the aligned base) and temp section grow up, the tail (persistent) grows down from
 * base + N with each allocation aligned down. The base is taken as 16-aligned (ESPHome aligns it), so
 * addresses are offsets from it. The first failing step reports TFLM's own message and numbers.
 */
import { ARENA_ALIGNMENT, type LoadPlan } from './loader.js';
import { PLANNER_BYTES_PER_BUFFER } from './planner.js';

const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;
const alignDown = (x: number, a: number): number => Math.floor(x / a) * a;

export type FailureStage = 'tail' | 'head' | 'temp' | 'planner';

export interface SimFailure {
  stage: FailureStage;
  /** what was being allocated */
  what: string;
  requested: number;
  available: number;
  /** the line TFLM prints */
  message: string;
}

export interface SimResult {
  ok: boolean;
  failure?: SimFailure;
  /** persistent bytes in use just before planning (arena end − tail) */
  persistentBeforePlanning: number;
  /** persistent bytes allocated after planning (tensor structs for inputs/outputs) */
  persistentAfterPlanning: number;
  /** the head reservation "Requested" at the end of planning, and the room "available" for it */
  headRequested: number;
  headAvailable: number;
  /** highest point the head/temp section reached during planning (planner working area included) */
  tempPlanningPeak: number;
  /** arena_used_bytes() after a successful AllocateTensors */
  arenaUsedBytes: number;
}

export function simulate(plan: LoadPlan, arenaSize: number): SimResult {
  const end = arenaSize;
  let tail = end;
  let head = 0;
  let tailBeforePlanning = -1;
  let tempPeak = 0;
  const result = (failure?: SimFailure): SimResult => ({
    ok: failure === undefined,
    failure,
    persistentBeforePlanning: tailBeforePlanning < 0 ? end - tail : end - tailBeforePlanning,
    persistentAfterPlanning: tailBeforePlanning < 0 ? 0 : tailBeforePlanning - tail,
    headRequested: plan.planning.head,
    headAvailable: tailBeforePlanning < 0 ? tail : tailBeforePlanning,
    tempPlanningPeak: tempPeak,
    arenaUsedBytes: head + (end - tail),
  });

  for (const step of plan.steps) {
    if (step.kind === 'tail') {
      const at = alignDown(tail - step.size, step.align);
      if (at < head) {
        const missing = head - at;
        return result({
          stage: 'tail',
          what: step.what,
          requested: step.size,
          available: step.size - missing,
          message: `Failed to allocate tail memory. Requested: ${step.size}, available ${step.size - missing}, missing: ${missing}`,
        });
      }
      tail = at;
    } else if (step.kind === 'head') {
      if (tail < step.size) {
        return result({
          stage: 'head',
          what: step.what,
          requested: step.size,
          available: tail,
          message: `Failed to resize buffer. Requested: ${step.size}, available ${tail}, missing: ${step.size - tail}`,
        });
      }
      head = step.size;
    } else {
      tailBeforePlanning = tail;
      // CommitStaticMemoryPlan: temp allocations above the head, then the planner gets what remains.
      let temp = head;
      for (const [bytes, what] of [
        [plan.planning.subgraphOffsetsBytes, 'subgraph offsets'],
        [plan.planning.allocationInfoBytes, 'AllocationInfo'],
      ] as const) {
        const at = alignUp(temp, 4);
        if (tail - at < bytes) {
          return result({
            stage: 'temp',
            what,
            requested: bytes,
            available: tail - at,
            message: `Failed to allocate temp memory. Requested: ${bytes}, available ${tail - at}, missing: ${bytes - (tail - at)}`,
          });
        }
        temp = at + bytes;
      }
      const plannerStart = alignUp(temp, ARENA_ALIGNMENT);
      const remaining = alignDown(tail, ARENA_ALIGNMENT) - plannerStart;
      const need = plan.planning.plannerBytes;
      tempPeak = plannerStart + need;
      if (remaining < need) {
        const max = Math.max(0, Math.floor(remaining / PLANNER_BYTES_PER_BUFFER));
        return result({
          stage: 'planner',
          what: 'memory planner working area',
          requested: need,
          available: Math.max(0, remaining),
          message: `Too many buffers (max is ${max})`,
        });
      }
      // Scratch-request buffer released, then the head reserved for the plan.
      head = 0;
      if (tail < plan.planning.head) {
        return result({
          stage: 'head',
          what: 'memory plan',
          requested: plan.planning.head,
          available: tail,
          message: `Failed to resize buffer. Requested: ${plan.planning.head}, available ${tail}, missing: ${plan.planning.head - tail}`,
        });
      }
      head = plan.planning.head;
    }
  }
  return result();
}
