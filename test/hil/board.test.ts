import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { loadDetectorModel, type DetectorModel } from '../../src/detect/pipeline.js';
import { hilFile, type HilFileReport } from '../../src/hil/run.js';
import { HilSession } from '../../src/hil/session.js';
import type { HilSimModel, HilSimOptions } from '../../src/hil/sim-board.js';
import { registerHilPort, simModelsFromFiles } from '../../src/hil/virtual.js';
import type { FaultPlan } from '../../src/serial/sim/faults.js';
import { openPort } from '../../src/serial/transport/open.js';
import type { SerialTransport } from '../../src/serial/transport/types.js';

const WAVS = ['okay_nabu', 'hey_jarvis', 'negative', 'silence'];
const MODELS = ['okay_nabu', 'hey_jarvis'];

let simModels: HilSimModel[];
const detectors = new Map<string, DetectorModel>();

type RunOptions = Partial<HilSimOptions> & { lineFaults?: FaultPlan[] };

let boards = 0;
/** A fresh virtual board, opened by path as `mww hil` does, at the board's (default) 921600 baud. */
async function openBoard(opts: RunOptions = {}): Promise<SerialTransport> {
  const path = `/dev/ttyHILTEST${boards++}`;
  const unregister = registerHilPort(path, { models: simModels, ...opts });
  try {
    return await openPort(path, { baudRate: 921600 });
  } finally {
    unregister();
  }
}

/**
 * Stream each WAV in turn through one session to a fresh virtual board. timeoutMs: long for fault-free runs (a
 * busy CI machine must not cause spurious resends), short with faults.
 */
async function runFiles(modelId: string, wavs: string[], opts: RunOptions = {}, timeoutMs = opts.faults || opts.lineFaults ? 40 : 2000): Promise<HilFileReport[]> {
  const link = await openBoard(opts);
  const session = new HilSession(link, { timeoutMs });
  try {
    const reports: HilFileReport[] = [];
    for (const wav of wavs) {
      reports.push(await hilFile(sharedPath('golden', 'audio', `${wav}.wav`), { session, detector: detectors.get(modelId)!, esphome: '2025', deviceModel: MODELS.indexOf(modelId) }));
    }
    return reports;
  } finally {
    session.close();
  }
}

async function run(modelId: string, wav: string, opts: RunOptions = {}): Promise<HilFileReport> {
  return (await runFiles(modelId, [wav], opts))[0]!;
}

const golden = (wav: string, model: string): number[] => Array.from(readFileSync(sharedPath('golden', 'runtime', `${wav}__${model}.u8`)));

describeShared('mww hil against the virtual board', () => {
  beforeAll(async () => {
    simModels = await simModelsFromFiles(MODELS.map((m) => sharedPath('models', `${m}.json`)));
    for (const m of MODELS) detectors.set(m, await loadDetectorModel(sharedPath('models', `${m}.json`)));
  });

  for (const model of MODELS) {
    it(`${model}: bit-exact on every golden WAV, and both sides equal TFLM's golden outputs`, async () => {
      for (const wav of WAVS) {
        const r = await run(model, wav);
        expect(r.bitExact, `${wav}`).toBe(true);
        expect(r.firstDivergence).toBeUndefined();
        expect(r.host.probabilities).toEqual(golden(wav, model));
        expect(r.device.probabilities).toEqual(golden(wav, model));
        expect(r.detections.same).toBe(true);
        expect(r.droppedFrames).toBe(0);
        expect(r.framesSent).toBe(r.framesTotal);
      }
    });
  }

  it('the wake word is detected at the same invoke on host and device', async () => {
    const r = await run('okay_nabu', 'okay_nabu');
    expect(r.detections.host.length).toBeGreaterThan(0);
    expect(r.detections.device).toEqual(r.detections.host);
  });

  it('a board that perturbs one output is caught at exactly that invoke', async () => {
    for (const k of [0, 37, 110]) {
      const r = await run('okay_nabu', 'okay_nabu', { perturb: [{ invoke: k }] });
      const expected = golden('okay_nabu', 'okay_nabu');
      expect(r.bitExact).toBe(false);
      expect(r.firstDivergence).toEqual({ invoke: k, host: expected[k], device: (expected[k]! + 1) & 255 });
      expect(r.differingInvokes).toBe(1);
    }
  });

  it('multi-frame audio frames (480 samples) give the same result', async () => {
    const link = await openBoard();
    const session = new HilSession(link, { timeoutMs: 2000 });
    const r = await hilFile(sharedPath('golden', 'audio', 'hey_jarvis.wav'), { session, detector: detectors.get('hey_jarvis')!, esphome: '2025', deviceModel: 1, samplesPerFrame: 480 });
    expect(r.bitExact).toBe(true);
    expect(r.device.probabilities).toEqual(golden('hey_jarvis', 'hey_jarvis'));
  });

  describe('fault injection: the protocol recovers and reports what it lost', () => {
    it('dropped audio frames (host → device) are resent: still bit-exact, losses reported', async () => {
      const r = await run('okay_nabu', 'okay_nabu', { faults: { toDevice: { drop: [3, 4, 50, 120, 337] } } });
      expect(r.bitExact).toBe(true);
      expect(r.droppedFrames + r.recovery.timeouts).toBeGreaterThanOrEqual(3);
      expect(r.framesResent).toBeGreaterThanOrEqual(4);
      expect(r.framesSent).toBeGreaterThan(r.framesTotal);
    });

    it('corrupted audio frames are rejected by CRC, counted on the device, and resent', async () => {
      const r = await run('okay_nabu', 'okay_nabu', { faults: { toDevice: { corrupt: [2, 10, 200] } } });
      expect(r.bitExact).toBe(true);
      expect(r.crcErrors.toDevice).toBe(3);
      expect(r.framesResent).toBeGreaterThanOrEqual(3);
    });

    it('dropped and corrupted reports/acks (device → host) are requested again: still bit-exact', async () => {
      const r = await run('okay_nabu', 'okay_nabu', { faults: { fromDevice: { drop: [5, 6, 40, 90], corrupt: [7, 100, 150] } } });
      expect(r.bitExact).toBe(true);
      expect(r.crcErrors.fromDevice).toBe(3);
      expect(r.recovery.resendRequests + r.recovery.timeouts).toBeGreaterThan(0);
      expect(r.detections.same).toBe(true);
    });

    it('random faults in both directions over many seeds: always bit-exact, never desynchronised', async () => {
      for (let seed = 1; seed <= 8; seed++) {
        const r = await run('hey_jarvis', 'hey_jarvis', {
          faults: { toDevice: { dropRate: 0.03, corruptRate: 0.03, seed }, fromDevice: { dropRate: 0.03, corruptRate: 0.03, seed: seed + 100 } },
        });
        expect(r.bitExact, `seed ${seed}`).toBe(true);
        expect(r.device.probabilities).toEqual(golden('hey_jarvis', 'hey_jarvis'));
        expect(r.droppedFrames + r.crcErrors.toDevice + r.crcErrors.fromDevice + r.recovery.resendRequests, `seed ${seed}`).toBeGreaterThan(0);
      }
    });

    it('link figures are per file: a clean file after a damaged one on the same session reports no errors', async () => {
      // Device → host frames 5 and 7 (early reports or ACKs) fall in the first file.
      const reports = await runFiles('okay_nabu', ['negative', 'silence'], { faults: { fromDevice: { corrupt: [5, 7] } } });
      expect(reports.map((r) => r.bitExact)).toEqual([true, true]);
      expect(reports[0]!.crcErrors.fromDevice).toBe(2);
      expect(reports[1]!.crcErrors).toEqual({ toDevice: 0, fromDevice: 0 });
    });

    it('byte-level line faults (bytes lost or flipped mid-frame) are survived too', async () => {
      const r = await run('okay_nabu', 'okay_nabu', {
        lineFaults: [
          { kind: 'drop', direction: 'to-device', after: 5000, count: 3, every: 7001 },
          { kind: 'corrupt', direction: 'to-device', after: 30000, count: 2, every: 9000 },
          { kind: 'drop', direction: 'from-device', after: 300, count: 2, every: 1500 },
          { kind: 'corrupt', direction: 'from-device', after: 2000, count: 2, every: 700 },
        ],
      });
      expect(r.bitExact).toBe(true);
      expect(r.framesResent).toBeGreaterThan(0);
    });

    it('reports the device no longer has are reported as lost, not invented', async () => {
      // A tiny event history: reports dropped early are gone by the time the host asks again.
      const r = await run('okay_nabu', 'okay_nabu', { history: 4, faults: { fromDevice: { drop: [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21] } } });
      expect(r.missingReports).toBeGreaterThan(0);
      expect(r.bitExact).toBe(false);
      expect(r.firstDivergence?.device).toBeNull();
      expect(r.notes.join(' ')).toMatch(/lost for good/);
      // Every report that did arrive is still right.
      const expected = golden('okay_nabu', 'okay_nabu');
      r.device.probabilities.forEach((p, i) => p === null || expect(p).toBe(expected[i]));
    });
  });
});
