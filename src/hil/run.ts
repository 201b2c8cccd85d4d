import { readWav } from '../audio/wav.js';
import type { EsphomeRule } from '../detect/rules.js';
import { reportFor, scoreSamples, type DetectorModel, type FileReport } from '../detect/pipeline.js';
import { MwwError } from '../errors.js';
import { MicroInterpreter } from '../micro/interpreter.js';
import { compareDetections, compareProbabilities, type DetectionTiming, type Divergence } from './compare.js';
import type { HilSession, StreamResult } from './session.js';

/**
 * One `mww hil` file: the host simulation (exactly `mww test`'s pipeline: WAV → frontend → runtime → ESPHome's
 * rule) and the device run on the same samples, then the comparison.
 */

export interface HilFileReport {
  path: string;
  bitExact: boolean;
  invokes: number;
  deviceInvokes: number;
  firstDivergence?: Divergence;
  differingInvokes: number;
  /** Device reports that never arrived, even after RESEND. */
  missingReports: number;
  detections: DetectionTiming;
  durationSeconds: number;
  wallSeconds: number;
  /** Audio seconds streamed per wall-clock second (≥ 1: faster than real time). */
  realTimeFactor: number;
  framesTotal: number;
  framesSent: number;
  /** Holes in the audio sequence the device saw (a frame lost or corrupted on the way); each was resent. */
  droppedFrames: number;
  /** Audio frames sent more than once (go-back-N resends everything after a hole, and frames whose ACK was lost). */
  framesResent: number;
  /** Frames that failed their CRC: on the device (host → device) and on the host (device → host). */
  crcErrors: { toDevice: number; fromDevice: number };
  recovery: { naks: number; timeouts: number; resendRequests: number; duplicateFramesIgnored: number; eventsResent: number };
  host: { probabilities: number[]; detections: FileReport['detections'] };
  device: { probabilities: (number | null)[] };
  notes: string[];
}

export interface HilRunOptions {
  session: HilSession;
  detector: DetectorModel;
  esphome: EsphomeRule;
  /** The model's index on the device. */
  deviceModel: number;
  samplesPerFrame?: number;
  onProgress?: (sent: number, total: number) => void;
}

export async function hilFile(file: string, o: HilRunOptions): Promise<HilFileReport> {
  const wav = await readWav(file);
  const scored = scoreSamples(file, wav, MicroInterpreter.create(o.detector.model, { source: o.detector.modelPath }));
  const host = reportFor(scored, o.detector, o.esphome);
  const dev: StreamResult = await o.session.stream(wav.samples, {
    model: o.deviceModel,
    stride: o.detector.stride,
    samplesPerFrame: o.samplesPerFrame,
    onProgress: o.onProgress,
  });
  const devProbs = dev.probabilities.get(o.deviceModel) ?? [];
  const cmp = compareProbabilities(scored.probabilities, devProbs);
  const detections = compareDetections(
    host.detections,
    dev.detections.filter((d) => d.model === o.deviceModel).map((d) => d.invoke),
    o.detector.stride,
    o.detector.featureStepMs,
  );
  const notes = [...wav.notes];
  if (dev.host.eventsLost > 0) notes.push(`${dev.host.eventsLost} device report(s) were lost for good (the device no longer had them when asked again)`);
  return {
    path: file,
    bitExact: cmp.bitExact,
    invokes: cmp.invokes.host,
    deviceInvokes: cmp.invokes.device,
    firstDivergence: cmp.firstDivergence,
    differingInvokes: cmp.differing,
    missingReports: cmp.missing,
    detections,
    durationSeconds: dev.audioSeconds,
    wallSeconds: dev.wallSeconds,
    realTimeFactor: dev.wallSeconds > 0 ? Math.round((dev.audioSeconds / dev.wallSeconds) * 100) / 100 : Infinity,
    framesTotal: dev.host.framesTotal,
    framesSent: dev.host.framesSent,
    droppedFrames: dev.device.gaps,
    framesResent: dev.host.framesResent,
    crcErrors: { toDevice: dev.device.crcErrors, fromDevice: dev.host.line.crcErrors },
    recovery: {
      naks: dev.host.naks,
      timeouts: dev.host.timeouts,
      resendRequests: dev.host.resendRequests,
      duplicateFramesIgnored: dev.device.duplicates,
      eventsResent: dev.device.resends,
    },
    host: { probabilities: Array.from(scored.probabilities), detections: host.detections },
    device: { probabilities: Array.from({ length: devProbs.length }, (_, i) => devProbs[i] ?? null) },
    notes,
  };
}

/** Which device model to compare with: an explicit index/id, the only model, or the one named like the manifest. */
export function pickDeviceModel(deviceModels: string[], want: string | undefined, detector: DetectorModel): number {
  if (want !== undefined) {
    const byIndex = /^\d+$/.test(want) ? Number(want) : -1;
    const i = byIndex >= 0 && byIndex < deviceModels.length ? byIndex : deviceModels.indexOf(want);
    if (i < 0) throw new MwwError('usage', `--device-model ${want}: the device has ${deviceModels.map((m, k) => `${k}:${m}`).join(', ')}`);
    return i;
  }
  if (deviceModels.length === 1) return 0;
  const stem = detector.modelPath.replace(/^.*[\\/]/, '').replace(/\.tflite$/i, '');
  const candidates = [stem, detector.wakeWord, detector.wakeWord.toLowerCase().replace(/[^a-z0-9]+/g, '_')];
  const i = deviceModels.findIndex((m) => candidates.includes(m));
  if (i < 0) {
    throw new MwwError('usage', `the device runs ${deviceModels.join(', ')}; none is named like ${stem}: choose one with --device-model`);
  }
  return i;
}
