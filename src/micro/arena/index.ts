/**
 * Exact tensor_arena_size for a micro_wake_word model on an ESPHome device: the smallest arena for which
 * esp-tflite-micro 1.3.3.1's AllocateTensors succeeds when the model is loaded as ESPHome loads it, per chip
 * and esp-nn version. Facts: ../shared/docs/arena.md; reference figures: ../shared/golden/arena.json.
 *
 * Pieces: targets.ts (what can be asked), espnn.ts (ESP-NN scratch sizes), kernels.ts (per-kernel struct sizes
 * and Prepare effects), lifetimes.ts + planner.ts (TFLM's memory plan), loader.ts (the ordered arena spending,
 * independent of N), simulate.ts (that spending against a concrete N).
 */
import type { TfliteModel } from '../../tflite/model.js';
import { buildLoadPlan, MAX_RESOURCE_VARIABLES, STRUCT, VARIABLE_ARENA_SIZE, type LoadPlan, type OpScratch } from './loader.js';
import { simulate, type FailureStage, type SimResult } from './simulate.js';
import { SUPPORTED_TARGETS, type ArenaTarget, type EspNnVersion } from './targets.js';

export { SUPPORTED_TARGETS, DEFAULT_ESP_NN, RUNTIME, parseTarget, targetLabel, isChip, isEspNnVersion } from './targets.js';
export type { ArenaTarget, Chip, EspNnVersion } from './targets.js';
export { planGreedy, type PlannerBuffer, type PlannerResult } from './planner.js';
export { buildLoadPlan, type LoadPlan, type OpScratch } from './loader.js';
export { simulate, type SimResult, type SimFailure } from './simulate.js';

export interface ArenaReport {
  target: ArenaTarget;
  espNn: EspNnVersion;
  /** minimum tensor_arena_size (bytes) for which AllocateTensors succeeds */
  min: number;
  /** the planned head: the memory plan's peak (what "Requested" reports) */
  head: number;
  /** tail bytes in use when planning starts (arena end 16-aligned: arena − "available") */
  persistentBeforePlanning: number;
  /** tail bytes allocated after planning: input/output TfLiteTensors and pointer arrays */
  persistentAfterPlanning: number;
  /** peak of the head side while planning: scratch requests + AllocationInfo + planner working area */
  tempPlanning: number;
  /** the esp-nn scratch each op requests (bytes before rounding to 16) */
  perOpScratch: OpScratch[];
  plannedBuffers: number;
  /** arena_used_bytes() at the minimum */
  arenaUsedBytes: number;
  /** what stops an arena one byte smaller than the minimum */
  limitedBy: FailureStage;
}

const planCache = new WeakMap<TfliteModel, Map<string, LoadPlan>>();

function loadPlan(model: TfliteModel, target: ArenaTarget): LoadPlan {
  let byTarget = planCache.get(model);
  if (!byTarget) planCache.set(model, (byTarget = new Map()));
  const key = `${target.chip}/${target.espNn}`;
  let plan = byTarget.get(key);
  if (!plan) byTarget.set(key, (plan = buildLoadPlan(model, target)));
  return plan;
}

/** Smallest N with a successful load. Success is monotonic except for alignment slack, hence the final scan. */
function findMinimum(plan: LoadPlan): { min: number; atMin: SimResult; below: SimResult } {
  let hi = 1024;
  while (!simulate(plan, hi).ok) hi *= 2;
  let lo = 0;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (simulate(plan, mid).ok) hi = mid;
    else lo = mid;
  }
  let min = hi;
  for (let n = Math.max(0, hi - 64); n < hi; n++) {
    if (simulate(plan, n).ok) {
      min = n;
      break;
    }
  }
  return { min, atMin: simulate(plan, min), below: simulate(plan, min - 1) };
}

export function computeArena(model: TfliteModel, target: ArenaTarget): ArenaReport {
  const plan = loadPlan(model, target);
  const { min, atMin, below } = findMinimum(plan);
  // The tail split is reported for a 16-aligned arena end (as arena.md measures it: manifest − available);
  // at an unaligned end, alignment slack moves a few bytes between the sections.
  const aligned = simulate(plan, Math.ceil(min / 16) * 16);
  return {
    target: { ...target },
    espNn: target.espNn,
    min,
    head: plan.planning.head,
    persistentBeforePlanning: aligned.persistentBeforePlanning,
    persistentAfterPlanning: aligned.persistentAfterPlanning,
    tempPlanning: atMin.tempPlanningPeak,
    perOpScratch: plan.scratch.map((s) => ({ ...s })),
    plannedBuffers: plan.planning.bufferCount,
    arenaUsedBytes: atMin.arenaUsedBytes,
    limitedBy: below.failure?.stage ?? 'tail',
  };
}

export interface ArenaAt {
  ok: boolean;
  /** "Requested" of TFLM's failure line (the head reservation when planning got that far) */
  requested: number;
  /** "available" of that line */
  available: number;
  /** the line TFLM prints when the load fails */
  message?: string;
  stage?: FailureStage;
}

/** What AllocateTensors does with an arena of `arenaSize` bytes: ok, or the failure TFLM prints. */
export function arenaAt(model: TfliteModel, target: ArenaTarget, arenaSize: number): ArenaAt {
  const r = simulate(loadPlan(model, target), arenaSize);
  if (r.failure) {
    return { ok: false, requested: r.failure.requested, available: r.failure.available, message: r.failure.message, stage: r.failure.stage };
  }
  return { ok: true, requested: r.headRequested, available: r.headAvailable };
}

/**
 * Safety margin added to the exact minimum for a manifest value: covers an arena base that is not 16-aligned
 * (up to 12 bytes lost) and small struct-size differences between builds of the same runtime.
 */
export const RECOMMENDED_MARGIN = 512;

/** The manifest value for an exact minimum: rounded up to 16, plus RECOMMENDED_MARGIN. */
export function recommendedFromMinimum(min: number): number {
  return Math.ceil(min / 16) * 16 + RECOMMENDED_MARGIN;
}

export interface RecommendedArena {
  /** the manifest value: recommendedFromMinimum(min) */
  value: number;
  /** the exact minimum it was derived from (for the target, or the largest over all supported targets) */
  min: number;
  margin: number;
  target: ArenaTarget | 'max-over-targets';
}

export function recommendedArena(model: TfliteModel, target?: ArenaTarget): RecommendedArena {
  const min = Math.max(...(target ? [target] : SUPPORTED_TARGETS).map((t) => computeArena(model, t).min));
  return { value: recommendedFromMinimum(min), min, margin: RECOMMENDED_MARGIN, target: target ? { ...target } : 'max-over-targets' };
}

export interface VariableArenaReport {
  /** resource variables the model creates (distinct container/shared_name) */
  count: number;
  /** bytes of ESPHome's 1024-byte variable arena in use (allocator objects + MicroResourceVariables for 20) */
  bytes: number;
  fits: boolean;
  /** the arena ESPHome gives resource variables */
  limit: number;
  maxCount: number;
  /** bytes the variables' buffers take from the main tensor arena */
  stateBytes: number;
}

/** The variable arena: MicroAllocator::Create(var_arena, 1024) + MicroResourceVariables::Create(allocator, 20). */
export function variableArena(model: TfliteModel): VariableArenaReport {
  const plan = loadPlan(model, SUPPORTED_TARGETS[0]!);
  let tail = VARIABLE_ARENA_SIZE;
  const take = (size: number, align: number): void => {
    tail = Math.floor((tail - size) / align) * align;
  };
  take(STRUCT.singleArenaBufferAllocator, 4);
  take(STRUCT.greedyMemoryPlanner, 4);
  take(STRUCT.microAllocator, 4);
  take(STRUCT.microResourceVariables, 16);
  take(STRUCT.microResourceVariable * MAX_RESOURCE_VARIABLES, 16);
  const bytes = VARIABLE_ARENA_SIZE - tail;
  return {
    count: plan.variableCount,
    bytes,
    fits: plan.variableCount <= MAX_RESOURCE_VARIABLES && tail >= 0,
    limit: VARIABLE_ARENA_SIZE,
    maxCount: MAX_RESOURCE_VARIABLES,
    stateBytes: plan.variableBufferBytes,
  };
}
