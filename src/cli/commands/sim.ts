import type { Command, ParsedArgs } from '../command.js';
import type { Output } from '../output.js';
import { MwwError } from '../../errors.js';
import { HilSimBoard } from '../../hil/sim-board.js';
import { simModelsFromFiles } from '../../hil/virtual.js';
import { DEFAULT_ESP_NN, ESP_NN_VERSIONS } from '../../micro/arena/targets.js';
import { chipById } from '../../serial/chips/index.js';
import { realClock } from '../../serial/clock.js';
import { VirtualBoard } from '../../serial/sim/board.js';
import { FaultInjector, FaultyChannel, type FaultKind, type FaultPlan } from '../../serial/sim/faults.js';
import type { BoardEndpoint } from '../../serial/sim/link.js';
import { arenaLoadCheck } from '../../serial/sim/modelLoad.js';
import { parseOffset } from '../../serial/target.js';
import { openPort } from '../../serial/transport/open.js';
import type { SerialTransport } from '../../serial/transport/types.js';
import { readUserFile } from '../../util/fs.js';
import { noExtraPositionals, num, oneOf, repeated, required } from '../args.js';

/** `--fault corrupt:to-device:5000` etc.: kind, direction, byte position (and for stall, milliseconds). */
function parseFault(text: string): FaultPlan {
  const [kind, direction, after, extra, ...rest] = text.split(':');
  const kinds: FaultKind[] = ['corrupt', 'drop', 'stall', 'disconnect'];
  if (
    !kinds.includes(kind as FaultKind) ||
    (direction !== 'to-device' && direction !== 'from-device') ||
    !/^\d+$/.test(after ?? '') ||
    (extra !== undefined && !/^\d+$/.test(extra)) ||
    rest.length > 0
  ) {
    throw new MwwError('usage', `--fault ${text}: expected KIND:DIRECTION:BYTE[:MS] with KIND ${kinds.join('|')}, DIRECTION to-device|from-device`);
  }
  return { kind: kind as FaultKind, direction, after: Number(after), stallMs: extra ? Number(extra) : undefined };
}

/** The --fault plans, shared by the loader board and the test-mode board. */
function faultsOf(args: ParsedArgs): FaultInjector {
  return new FaultInjector(repeated(args, 'fault').map(parseFault));
}

/**
 * Wire a virtual board to an open port through the fault injector, one FaultyChannel per direction (as the
 * in-process VirtualLink does), so a --fault means the same for either board. The disconnect fault closes our
 * end of the line, which ends the run like the other end going away.
 */
function wireThroughFaults(board: BoardEndpoint, port: SerialTransport, faults: FaultInjector, stop: () => void): () => void {
  const channel = (direction: 'to-device' | 'from-device', deliver: (bytes: Uint8Array) => void) =>
    new FaultyChannel({ direction, faults, clock: realClock, deliver, disconnect: () => void port.close().finally(() => stop()) });
  const toHost = channel('from-device', (bytes) => void port.write(bytes).catch(() => {}));
  const toBoard = channel('to-device', (bytes) => board.receive(bytes));
  board.attach((bytes) => toHost.send(bytes, board.baudRate));
  return port.onData((bytes) => toBoard.send(bytes, port.baudRate));
}

/** Resolves on Ctrl-C, when the port goes away, after `timeoutS`, or when `stop()` is called. */
function untilStopped(port: SerialTransport, timeoutS: number | undefined): { stopped: Promise<void>; stop: () => void } {
  let stop = (): void => {};
  const stopped = new Promise<void>((resolve) => {
    stop = () => {
      process.off('SIGINT', stop);
      resolve();
    };
  });
  process.once('SIGINT', stop);
  port.onDisconnect(stop);
  if (timeoutS !== undefined) setTimeout(stop, timeoutS * 1000).unref?.();
  return { stopped, stop };
}

/**
 * `mww sim --hil`: a board in test mode (firmware/components/mww_hil) on the serial device, running the given
 * models with the host runtime, so `mww hil` on the other end of the line works without hardware.
 */
async function runHilSim(args: ParsedArgs, out: Output, usage: string): Promise<number> {
  const device = required(args, 'device', usage);
  const models = repeated(args, 'model');
  if (models.length === 0) throw new MwwError('usage', `--hil needs at least one --model (manifest .json or .tflite) for the virtual board to run\n\n${usage}`);
  noExtraPositionals(args, usage);
  const baudRate = num(args, 'baud', { integer: true, min: 9600, what: 'a baud rate (an integer)' }) ?? 921600;
  const timeout = num(args, 'timeout', { min: 0, exclusiveMin: true, what: 'a number of seconds' });
  const faults = faultsOf(args);

  const simModels = await simModelsFromFiles(models);
  const board = new HilSimBoard({ models: simModels, baudRate });
  const port = await openPort(device, { baudRate });
  const { stopped, stop } = untilStopped(port, timeout);
  const detach = wireThroughFaults(board, port, faults, stop);
  out.info(`virtual board in HIL test mode on ${device} at ${baudRate} baud, models ${simModels.map((m) => m.id).join(', ')}; Ctrl-C to stop`);
  await stopped;
  detach();
  await port.close().catch(() => {});
  const status = board.status();
  out.result({ device, hil: true, baudRate, status, faultsFired: faults.fired });
  out.line(`stopped (${status.framesReceived} audio frames received, ${status.invokes} inferences, ${status.crcErrors} CRC errors${faults.plans.length ? `, ${faults.fired} injected fault(s) fired` : ''})`);
  return 0;
}

const command: Command = {
  name: 'sim',
  summary: 'Run a virtual ESP32/ESP32-S3 (ROM loader, flash, boot log) on a serial device such as a socat pty',
  usage: [
    'Usage: mww sim --chip esp32|esp32s3 --device PATH [options]',
    '       mww sim --hil --device PATH --model M.json... [--baud N] [--fault ...] [--timeout S]',
    '',
    'Speaks the ESP ROM serial loader protocol (and a flasher stub\'s, once one is uploaded) on PATH, keeps 4 MB',
    'of flash, and after a reset prints a boot log derived from the flash: the ROM\'s error for garbage, or for an',
    'mww-built firmware an ESPHome-like log with the identity line and micro_wake_word\'s load result (decided by',
    'the arena calculator). A pty has no DTR/RTS: the board starts in the loader and boots the app when the',
    'flasher ends with "reboot".   Example:  socat -d pty,raw,echo=0,link=/tmp/a pty,raw,echo=0,link=/tmp/b',
    '',
    '  --arena N              use N as tensor_arena_size instead of the one in the firmware\'s identity',
    '  --esp-nn V             esp-nn version for the ESP32-S3 arena (1.1.2, 1.2.1, 1.2.3; default 1.1.2)',
    '  --start rom|app        state after power-on (default rom)',
    '  --flash FILE@0xOFFSET  preload flash contents (repeatable)',
    '  --fault K:DIR:BYTE[:MS] inject a fault (corrupt, drop, stall, disconnect) (repeatable)',
    '  --timeout S            stop after S seconds (default: run until Ctrl-C)',
    '',
    'With --hil the board runs the hardware-in-loop test mode instead (firmware/components/mww_hil, protocol in',
    'docs/hil-protocol.md): it runs the --model manifests/.tflite files with the host runtime, so `mww hil` on',
    'the other end of the line compares against it without hardware. --fault works there too (byte positions',
    'count the test-mode frames\' bytes), to exercise the protocol\'s recovery from lost and corrupted bytes.',
    '  --model M              manifest .json or .tflite the virtual board runs (repeatable; required with --hil)',
    '  --baud N               the test-mode UART rate `mww hil --baud` must match (default 921600)',
  ].join('\n'),
  options: {
    chip: { type: 'string' },
    device: { type: 'string' },
    arena: { type: 'string' },
    'esp-nn': { type: 'string' },
    start: { type: 'string' },
    flash: { type: 'string', multiple: true },
    fault: { type: 'string', multiple: true },
    timeout: { type: 'string' },
    hil: { type: 'boolean' },
    model: { type: 'string', multiple: true },
    baud: { type: 'string' },
  },
  async run(args, out) {
    if (args.values.hil === true) return runHilSim(args, out, this.usage);
    if (args.values.model !== undefined || args.values.baud !== undefined) throw new MwwError('usage', `--model and --baud belong to the test mode: add --hil\n\n${this.usage}`);
    noExtraPositionals(args, this.usage);
    const chipName = required(args, 'chip', this.usage);
    const device = required(args, 'device', this.usage);
    const timeout = num(args, 'timeout', { min: 0, exclusiveMin: true, what: 'a number of seconds' });
    const chip = chipById(chipName);
    const espNn = oneOf(args, 'esp-nn', ESP_NN_VERSIONS, DEFAULT_ESP_NN);
    const arena = num(args, 'arena', { integer: true, min: 1, what: 'a whole number of bytes' });
    const start = oneOf(args, 'start', ['rom', 'app'] as const, 'rom');
    const initialFlash: { offset: number; data: Uint8Array }[] = [];
    for (const spec of repeated(args, 'flash')) {
      const at = spec.lastIndexOf('@');
      if (at < 0) throw new MwwError('usage', `--flash ${spec}: expected FILE@0xOFFSET`);
      initialFlash.push({ offset: parseOffset(spec.slice(at + 1)), data: await readUserFile(spec.slice(0, at), 'flash image') });
    }
    const faults = faultsOf(args);
    const check = arenaLoadCheck(espNn);
    const board = new VirtualBoard({
      chip,
      clock: realClock,
      loadCheck: (bytes, a, c) => check(bytes, arena ?? a, c),
      initialFlash,
      startIn: start,
    });
    const port = await openPort(device, { baudRate: 115200 });
    const { stopped, stop } = untilStopped(port, timeout);
    wireThroughFaults(board, port, faults, stop);
    out.info(`virtual ${chip.name} on ${device} (${start === 'rom' ? 'waiting for download' : 'booted from flash'}); Ctrl-C to stop`);
    board.powerOn();
    await stopped;
    await port.close().catch(() => {});
    out.result({ chip: chip.id, device, boots: board.boots, faultsFired: faults.fired });
    out.line(`stopped (${board.boots.rom} loader boots, ${board.boots.app} app boots)`);
    return 0;
  },
};

export default command;
