import path from 'node:path';
import type { Command } from '../command.js';
import { MwwError } from '../../errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import { checkOutputs, esphomeRule, num, required, str } from '../args.js';
import { DETECTION_TIME_CONVENTION } from '../../detect/simulate.js';
import { DEFAULT_CUTOFF, DEFAULT_WINDOW, collectWavs, loadDetectorModel, reportFor, type DetectorModel, type FileReport } from '../../detect/pipeline.js';
import { scoreFiles } from '../../detect/parallel.js';
import { probabilityChart } from '../../plot/charts.js';
import { plotFormat, renderHtml, stackSvgs } from '../../plot/svg.js';

const usage = `Usage: mww test --model M.json|M.tflite [--vad V.json] INPUT.wav|DIR... [options]

Runs the recordings through the device pipeline on the host (micro frontend, bit-exact TFLM runtime,
ESPHome's decision rule) and reports, per file, when the wake word fires.

Options:
  --model M          the wake word model: its manifest (.json) or a bare .tflite; with a .tflite the manifest
                     beside it (same name, .json) supplies cutoff and window, else ${DEFAULT_CUTOFF} / ${DEFAULT_WINDOW}
  --vad V            a VAD model (manifest or .tflite): wake words only count while the VAD agrees
  --esphome R        decision rule: 2025 (default; 2025.2 and later) or 2024.11 (2024.7–2024.12)
  --cutoff C         probability cutoff 0–1 (overrides the manifest)
  --window N         sliding window size (overrides the manifest)
  --plot OUT         write probability-over-time charts: OUT.svg (self-contained SVG) or OUT.html
  --json             machine-readable result, including each file's per-invoke probabilities

Times: ${DETECTION_TIME_CONVENTION}.`;

function fmtSeconds(s: number): string {
  return `${s.toFixed(2)} s`;
}

function describeModel(m: DetectorModel): string {
  return `${m.wakeWord} (${path.basename(m.modelPath)}): cutoff ${m.cutoff}, window ${m.window}, stride ${m.stride}; from ${m.settingsFrom}`;
}

const command: Command = {
  name: 'test',
  summary: 'Run recordings through the device pipeline and show when the wake word fires',
  usage,
  options: {
    model: { type: 'string' },
    vad: { type: 'string' },
    esphome: { type: 'string' },
    cutoff: { type: 'string' },
    window: { type: 'string' },
    plot: { type: 'string' },
  },
  async run(args, out) {
    const modelFile = required(args, 'model', usage);
    if (args.positionals.length === 0) throw new MwwError('usage', `give at least one WAV file or directory to test\n\n${usage}`);
    const plot = str(args, 'plot');
    const plotAs = plot === undefined ? undefined : plotFormat(plot);
    const vadFile = str(args, 'vad');
    const rule = esphomeRule(args);
    const cutoff = num(args, 'cutoff', { min: 0, max: 1 });
    const window = num(args, 'window', { min: 1, integer: true });
    checkOutputs([{ flag: '--plot', path: plot }], [{ flag: '--model', path: modelFile }, { flag: '--vad', path: vadFile }, ...args.positionals.map((p) => ({ flag: 'an input', path: p }))]);

    const ww = await loadDetectorModel(modelFile, { cutoff, window });
    const vad = vadFile !== undefined ? await loadDetectorModel(vadFile) : undefined;
    const files = await collectWavs(args.positionals);

    const progress = files.length > 1 ? out.progress('scoring', files.length) : null;
    const scored = await scoreFiles(files, { model: ww.model, modelPath: ww.modelPath, vadModel: vad?.model, vadModelPath: vad?.modelPath }, { onDone: (d) => progress?.update(d) });
    progress?.done();
    const reports: FileReport[] = scored.map((s) => reportFor(s, ww, rule, vad));

    if (plot) {
      const charts = reports.map((r) =>
        probabilityChart({ ...r, featureStepMs: ww.featureStepMs, vadProbabilities: r.vad?.probabilities }),
      );
      const doc =
        plotAs === 'svg'
          ? charts.length === 1
            ? charts[0]!
            : stackSvgs(charts)
          : renderHtml(
              `mww test: ${ww.wakeWord}`,
              reports.map((r, i) => ({
                heading: r.path,
                text: r.detected ? `detected at ${r.detections.map((d) => fmtSeconds(d.timeSeconds)).join(', ')}` : 'no detection',
                svg: charts[i]!,
              })),
            );
      await writeFileAtomic(plot, doc);
    }

    out.result({
      model: {
        wakeWord: ww.wakeWord,
        path: ww.modelPath,
        manifest: ww.manifestPath ?? null,
        cutoff: ww.cutoff,
        window: ww.window,
        stride: ww.stride,
        settingsFrom: ww.settingsFrom,
      },
      vad: vad ? { path: vad.modelPath, cutoff: vad.cutoff, window: vad.window, stride: vad.stride } : null,
      esphome: rule,
      timeConvention: DETECTION_TIME_CONVENTION,
      plot: plot ?? null,
      notes: [...ww.notes, ...(vad?.notes ?? [])],
      files: reports,
    });

    out.line(`model: ${describeModel(ww)}`);
    if (vad) out.line(`VAD:   ${describeModel(vad)}`);
    out.line(`rule:  ESPHome ${rule}${rule === '2025' ? ` (cutoff as uint8 ${reports[0]?.cutoffU8 ?? ''}: detected when window sum > ${reports[0]?.cutoffU8 ?? ''} × ${ww.window})` : ' (float average > cutoff)'}`);
    for (const n of [...ww.notes, ...(vad?.notes ?? [])]) out.info(`note: ${n}`);
    out.line();
    const width = Math.min(60, Math.max(...reports.map((r) => r.path.length)));
    for (const r of reports) {
      const verdict = r.detected ? out.paint('green', `DETECTED at ${r.detections.map((d) => fmtSeconds(d.timeSeconds)).join(', ')}`) : out.paint('gray', 'no detection');
      out.line(`${r.path.padEnd(width)}  ${fmtSeconds(r.durationSeconds).padStart(8)}  ${verdict}  max probability ${r.maxProbability.toFixed(3)}, max sliding average ${r.maxSlidingAverage.toFixed(3)}`);
      for (const n of r.notes) out.line(`${''.padEnd(width)}  note: ${n}`);
      if (r.vad?.blocked.length) out.line(`${''.padEnd(width)}  VAD blocked ${r.vad.blocked.length} detection(s) at ${r.vad.blocked.map((b) => fmtSeconds(b.timeSeconds)).join(', ')}`);
    }
    out.line();
    out.line(`${reports.filter((r) => r.detected).length} of ${reports.length} file(s) with a detection. Times: ${DETECTION_TIME_CONVENTION}.`);
    if (plot) out.line(`plot written to ${plot}`);
    return 0;
  },
};

export default command;
