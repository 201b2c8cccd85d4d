import { chipById } from '../chips/index.js';
import type { Clock } from '../clock.js';
import type { ModelLoadCheck } from './boot.js';
import { VirtualBoard, type VirtualBoardOptions } from './board.js';
import type { FaultPlan } from './faults.js';
import { VirtualLink } from './link.js';
import { arenaLoadCheck } from './modelLoad.js';
import type { Chip, EspNnVersion } from '../../micro/arena/index.js';

export { VirtualBoard } from './board.js';
export { VirtualLink } from './link.js';
export type { FaultPlan, FaultKind } from './faults.js';

export interface VirtualSetup {
  chip: Chip;
  clock: Clock;
  path?: string;
  espNn?: EspNnVersion;
  loadCheck?: ModelLoadCheck;
  initialFlash?: VirtualBoardOptions['initialFlash'];
  resetCircuit?: VirtualBoardOptions['resetCircuit'];
  appLog?: VirtualBoardOptions['appLog'];
  startIn?: VirtualBoardOptions['startIn'];
  /** USB identity of the port: a CP2102 bridge by default; 303a:1001 for the S3's USB-Serial-JTAG. */
  vendorId?: string;
  productId?: string;
  lineRate?: boolean;
  noModemLines?: boolean;
  faults?: FaultPlan[];
}

/** An in-process virtual board and the host end of its serial line, powered on. */
export function createVirtualBoard(s: VirtualSetup): { board: VirtualBoard; link: VirtualLink } {
  const board = new VirtualBoard({
    chip: chipById(s.chip),
    clock: s.clock,
    loadCheck: s.loadCheck ?? arenaLoadCheck(s.espNn),
    initialFlash: s.initialFlash,
    resetCircuit: s.resetCircuit ?? (s.vendorId === '303a' ? 'usb-jtag' : 'classic'),
    appLog: s.appLog,
    startIn: s.startIn,
  });
  const link = new VirtualLink(board, {
    clock: s.clock,
    info: { path: s.path ?? '/dev/ttyVIRTUAL0', vendorId: s.vendorId, productId: s.productId },
    lineRate: s.lineRate,
    noModemLines: s.noModemLines,
    faults: s.faults,
  });
  board.powerOn();
  return { board, link };
}
