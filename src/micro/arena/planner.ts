/**
 * TFLM's GreedyMemoryPlanner, as a pure function: buffers (already rounded to 16 by the caller, as
 * CreatePlan does) are sorted by descending size with TFLM's stable bubble sort, the largest goes at offset 0,
 * and each next one goes into the first gap between simultaneously live buffers (walking them in offset order)
 * that is big enough, else after the last of them. The peak is the highest end offset.
 * Offline-planned offsets are not supported (micro_wake_word models carry no OfflineMemoryAllocation metadata).
 */

export interface PlannerBuffer {
  size: number;
  /** allocation scope in which the buffer is created; -1 when never touched (TFLM keeps it that way) */
  firstUsed: number;
  lastUsed: number;
}

export interface PlannerResult {
  /** offset of each buffer, in input order */
  offsets: number[];
  /** GetMaximumMemorySize(): the head the plan needs */
  peak: number;
}

/** Bytes of the planner's working area per buffer: BufferRequirements 16 + 2 ints + ListEntry 12 + 1 int. */
export const PLANNER_BYTES_PER_BUFFER = 40;

/** ReverseSortInPlace: the swap-only-when-strictly-smaller bubble sort TFLM uses (stable for equal sizes). */
function sortIdsBySizeDescending(sizes: number[]): number[] {
  const values = sizes.slice();
  const ids = sizes.map((_, i) => i);
  let swapped: boolean;
  do {
    swapped = false;
    for (let i = 1; i < values.length; i++) {
      if (values[i - 1]! < values[i]!) {
        [values[i - 1], values[i]] = [values[i]!, values[i - 1]!];
        [ids[i - 1], ids[i]] = [ids[i]!, ids[i - 1]!];
        swapped = true;
      }
    }
  } while (swapped);
  return ids;
}

function overlapsInTime(a: PlannerBuffer, first: number, last: number): boolean {
  return !(a.firstUsed > last || first > a.lastUsed);
}

export function planGreedy(buffers: readonly PlannerBuffer[]): PlannerResult {
  const n = buffers.length;
  const offsets = new Array<number>(n).fill(-1);
  if (n === 0) return { offsets, peak: 0 };
  const order = sortIdsBySizeDescending(buffers.map((b) => b.size));
  // Placed buffers, kept sorted by offset (TFLM's linked list; insertion after equal offsets).
  const placed: number[] = [order[0]!];
  offsets[order[0]!] = 0;
  for (let k = 1; k < n; k++) {
    const id = order[k]!;
    const want = buffers[id]!;
    let candidate = 0;
    let prior = -1; // position in `placed` of the previous live buffer
    for (;;) {
      let next = -1;
      for (let p = prior + 1; p < placed.length; p++) {
        if (overlapsInTime(buffers[placed[p]!]!, want.firstUsed, want.lastUsed)) {
          next = p;
          break;
        }
      }
      if (prior >= 0) {
        const pid = placed[prior]!;
        const end = offsets[pid]! + buffers[pid]!.size;
        if (end > candidate) candidate = end;
      }
      if (next < 0) break;
      if (offsets[placed[next]!]! - candidate >= want.size) break;
      prior = next;
    }
    offsets[id] = candidate;
    // Insert keeping offset order: before the first entry with a strictly greater offset.
    let at = placed.length;
    if (offsets[placed[0]!]! > candidate) at = 0;
    else {
      for (let p = 1; p < placed.length; p++) {
        if (offsets[placed[p]!]! > candidate) {
          at = p;
          break;
        }
      }
    }
    placed.splice(at, 0, id);
  }
  let peak = 0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, offsets[i]! + buffers[i]!.size);
  return { offsets, peak };
}
