/**
 * Device vs host, invoke by invoke: the pure part of `mww hil`'s verdict.
 */

export interface Divergence {
  /** 0-based invoke index. */
  invoke: number;
  /** null: the host made fewer invokes (the device ran on audio the host did not). */
  host: number | null;
  /** null: the device's report for this invoke never arrived (or the device made fewer invokes). */
  device: number | null;
}

export interface ProbabilityComparison {
  bitExact: boolean;
  invokes: { host: number; device: number };
  firstDivergence?: Divergence;
  /** Invokes whose values differ (missing reports included). */
  differing: number;
  /** Invokes the device made but whose report was lost for good. */
  missing: number;
}

export function compareProbabilities(host: ArrayLike<number>, device: ArrayLike<number | undefined>): ProbabilityComparison {
  const n = Math.max(host.length, device.length);
  let first: Divergence | undefined;
  let differing = 0;
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const h = i < host.length ? host[i]! : undefined;
    const d = i < device.length ? device[i] : undefined;
    if (i < device.length && d === undefined) missing++;
    if (h === d) continue;
    differing++;
    if (!first) first = { invoke: i, host: h ?? null, device: d ?? null };
  }
  return { bitExact: differing === 0, invokes: { host: host.length, device: device.length }, firstDivergence: first, differing, missing };
}

export interface DetectionTiming {
  host: { invoke: number; timeSeconds: number }[];
  device: { invoke: number; timeSeconds: number }[];
  /** Pairs matched in order; deltaInvokes = device − host (positive: the device fired later). */
  pairs: { hostInvoke: number; deviceInvoke: number; deltaInvokes: number; deltaSeconds: number }[];
  /** Detections on one side with no partner on the other. */
  onlyHost: number;
  onlyDevice: number;
  same: boolean;
}

/**
 * Pair host and device detections in order of time (each detection resets the window, so at most one per
 * hold-off period: pairing in order is unambiguous). Device detections are reported by invoke; their time is
 * when that invoke's last slice was consumed: (invoke + 1) × stride × step.
 */
export function compareDetections(
  host: { invokeIndex: number; timeSeconds: number }[],
  deviceInvokes: number[],
  stride: number,
  stepMs = 10,
): DetectionTiming {
  const t = (invoke: number): number => Math.round((invoke + 1) * stride * stepMs) / 1000;
  const h = host.map((d) => ({ invoke: d.invokeIndex, timeSeconds: d.timeSeconds }));
  const d = [...deviceInvokes].sort((a, b) => a - b).map((invoke) => ({ invoke, timeSeconds: t(invoke) }));
  const pairs: DetectionTiming['pairs'] = [];
  for (let i = 0; i < Math.min(h.length, d.length); i++) {
    const delta = d[i]!.invoke - h[i]!.invoke;
    pairs.push({ hostInvoke: h[i]!.invoke, deviceInvoke: d[i]!.invoke, deltaInvokes: delta, deltaSeconds: Math.round(delta * stride * stepMs) / 1000 });
  }
  const onlyHost = Math.max(0, h.length - d.length);
  const onlyDevice = Math.max(0, d.length - h.length);
  return { host: h, device: d, pairs, onlyHost, onlyDevice, same: onlyHost === 0 && onlyDevice === 0 && pairs.every((p) => p.deltaInvokes === 0) };
}
