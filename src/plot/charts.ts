import { slidingAverages } from '../detect/simulate.js';
import { renderChart, type Marker, type Series } from './svg.js';

/** What a probability-over-time chart needs (a subset of `mww test`'s per-file report). */
export interface ProbabilityPlotInput {
  path: string;
  wakeWord: string;
  probabilities: ArrayLike<number>; // uint8 per invoke
  cutoff: number;
  window: number;
  stride: number;
  featureStepMs?: number;
  detections: { timeSeconds: number }[];
  esphome: string;
  vadProbabilities?: ArrayLike<number>;
}

/**
 * Model output (per invoke, as a step line) and its sliding-window average over time, with the cutoff as a
 * dashed line and each detection as a vertical marker. Invoke i is drawn at the time its last slice was
 * consumed: (i+1) × stride × step.
 */
export function probabilityChart(r: ProbabilityPlotInput): string {
  const stepS = (r.featureStepMs ?? 10) / 1000;
  const n = r.probabilities.length;
  const t = new Float64Array(n);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = (i + 1) * r.stride * stepS;
    p[i] = r.probabilities[i]! / 255;
  }
  const avg = slidingAverages(r.probabilities, r.window);
  const series: Series[] = [
    { label: 'model output', color: '#1f77b4', x: t, y: p, style: 'step', width: 1.2 },
    { label: `sliding average (window ${r.window})`, color: '#ff7f0e', x: t, y: avg, width: 2 },
  ];
  if (r.vadProbabilities) {
    const m = Math.min(n, r.vadProbabilities.length);
    const v = new Float64Array(m);
    for (let i = 0; i < m; i++) v[i] = r.vadProbabilities[i]! / 255;
    series.push({ label: 'VAD output', color: '#2ca02c', x: t.subarray(0, m), y: v, style: 'step', width: 1 });
  }
  const markers: Marker[] = r.detections.map((d) => ({ x: d.timeSeconds, label: `detected ${d.timeSeconds.toFixed(2)} s`, color: '#d62728' }));
  const duration = Math.max(n * r.stride * stepS, 0.01);
  return renderChart({
    title: `${r.wakeWord}: ${r.path} (ESPHome ${r.esphome} rule)`,
    xLabel: 'time (s)',
    yLabel: 'probability',
    series,
    hlines: [{ y: r.cutoff, label: `cutoff ${r.cutoff}`, color: '#d62728', dashed: true }],
    markers,
    xRange: [0, duration],
    yRange: [0, 1],
  });
}

export interface RocPoint {
  cutoff: number;
  falseRejectionRate: number;
  falseAcceptsPerHour: number;
}

/**
 * ROC-style curve of an evaluation: false rejection rate against false accepts per hour, one point per
 * cutoff, with the chosen cutoff circled.
 */
export function rocChart(title: string, points: RocPoint[], chosen?: RocPoint): string {
  const sorted = [...points].sort((a, b) => a.falseAcceptsPerHour - b.falseAcceptsPerHour || a.falseRejectionRate - b.falseRejectionRate);
  const maxFa = Math.max(1, ...sorted.map((p) => p.falseAcceptsPerHour));
  return renderChart({
    title,
    xLabel: 'false accepts per hour of negative audio',
    yLabel: 'false rejection rate',
    series: [{ label: 'cutoffs', color: '#1f77b4', x: sorted.map((p) => p.falseAcceptsPerHour), y: sorted.map((p) => p.falseRejectionRate), width: 2 }],
    points: chosen ? [{ x: chosen.falseAcceptsPerHour, y: chosen.falseRejectionRate, label: `cutoff ${chosen.cutoff}`, color: '#d62728' }] : [],
    xRange: [0, maxFa * 1.05],
    yRange: [0, 1],
  });
}

/** FRR and FA/h against the cutoff itself (the second view the eval plot shows). */
export function cutoffChart(title: string, points: RocPoint[], chosen?: RocPoint): string {
  const maxFa = Math.max(1, ...points.map((p) => p.falseAcceptsPerHour));
  return renderChart({
    title,
    xLabel: 'probability cutoff',
    yLabel: `FRR (blue) / FA per hour ÷ ${maxFa.toPrecision(3)} (orange)`,
    series: [
      { label: 'false rejection rate', color: '#1f77b4', x: points.map((p) => p.cutoff), y: points.map((p) => p.falseRejectionRate), width: 2 },
      { label: 'false accepts per hour (scaled)', color: '#ff7f0e', x: points.map((p) => p.cutoff), y: points.map((p) => p.falseAcceptsPerHour / maxFa), width: 2 },
    ],
    markers: chosen ? [{ x: chosen.cutoff, label: `chosen ${chosen.cutoff}`, color: '#d62728' }] : [],
    xRange: [0, 1],
    yRange: [0, 1],
  });
}
