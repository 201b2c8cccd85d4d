import path from 'node:path';
import { loadDetectorModel } from '../detect/pipeline.js';
import { realClock, type Clock } from '../serial/clock.js';
import type { FaultPlan } from '../serial/sim/faults.js';
import { VirtualLink } from '../serial/sim/link.js';
import { registerVirtualPort } from '../serial/transport/open.js';
import { HilSimBoard, type HilSimModel, type HilSimOptions } from './sim-board.js';

/**
 * Setting up a HIL virtual board: its models from manifests (or .tflite files), and an in-process serial line to
 * it through the serial code's VirtualLink, optionally registered as a port path so `mww hil PATH` finds it.
 */

/** Models for the virtual board; the device id is the .tflite's base name, as micro_wake_word's model id. */
export async function simModelsFromFiles(files: string[]): Promise<HilSimModel[]> {
  const out: HilSimModel[] = [];
  for (const f of files) {
    const d = await loadDetectorModel(f);
    out.push({ id: path.basename(d.modelPath).replace(/\.tflite$/i, ''), model: d.model, cutoff: d.cutoff, window: d.window });
  }
  return out;
}

/** `lineRate`: bytes take their wire time at the baud rate. `lineFaults`: byte-level faults of the serial line itself (src/serial/sim/faults.ts), on top of the board's frame faults. */
export function createHilLink(opts: HilSimOptions & { clock?: Clock; path?: string; lineFaults?: FaultPlan[]; lineRate?: boolean }): { board: HilSimBoard; link: VirtualLink } {
  const board = new HilSimBoard(opts);
  const link = new VirtualLink(board, { clock: opts.clock ?? realClock, info: { path: opts.path ?? '/dev/ttyHIL0', manufacturer: 'mww virtual HIL board' }, faults: opts.lineFaults, lineRate: opts.lineRate });
  return { board, link };
}

/** Register a fresh virtual HIL board under `portPath` for every open; returns the unregister function. */
export function registerHilPort(portPath: string, opts: HilSimOptions & { lineFaults?: FaultPlan[] }, onCreate?: (board: HilSimBoard) => void): () => void {
  return registerVirtualPort(portPath, () => {
    const { board, link } = createHilLink({ ...opts, path: portPath });
    onCreate?.(board);
    return link;
  });
}
