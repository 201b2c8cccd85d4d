import path from 'node:path';
import type { Command, ParsedArgs } from '../command.js';
import { MwwError } from '../../errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import { checkOutputs, esphomeRule, num, repeated, required, str } from '../args.js';
import { collectWavs, loadDetectorModel } from '../../detect/pipeline.js';
import { PARALLEL_MIN_BYTES, defaultJobs, scoreFiles } from '../../detect/parallel.js';
import { DEFAULT_TARGET_FA_PER_HOUR, chooseCutoff, sweepCutoffs, type SweepPoint } from '../../detect/evaluate.js';
import { cutoffChart, rocChart } from '../../plot/charts.js';
import { plotFormat, renderHtml } from '../../plot/svg.js';

const usage = `Usage: mww eval --model M.json|M.tflite --positives DIR --negatives DIR [options]

Scores every WAV with the device pipeline, then replays ESPHome's decision rule at each cutoff 0.00–1.00:
a positive clip is rejected when it never fires; every firing in a negative clip is a false accept.

Options:
  --positives DIR          recordings that contain the wake word (directories are searched recursively)
  --negatives DIR          recordings that do not (their total duration is the "hour" in FA/hour)
  --target-fa-per-hour X   false accepts per hour the chosen cutoff must not exceed (default ${DEFAULT_TARGET_FA_PER_HOUR})
  --vad V                  gate with a VAD model, as the device would
  --esphome R              decision rule: 2025 (default) or 2024.11
  --window N               sliding window size (default: the manifest's, else 5)
  --jobs N                 worker threads for scoring (default: all cores, ${defaultJobs()} here, once there
                           are more than ${PARALLEL_MIN_BYTES / 1024 / 1024} MB of recordings; fewer are scored in one thread)
  --plot OUT               ROC-style curve: OUT.svg, or OUT.html with the curve and FRR/FA against the cutoff
  --json                   machine-readable result with the whole curve`;

/** Every value of a repeatable directory flag, which must be given at least once. */
function requiredDirs(args: ParsedArgs, name: string): string[] {
  required(args, name, usage);
  return repeated(args, name);
}

const command: Command = {
  name: 'eval',
  summary: 'Measure false rejections and false accepts per hour over recordings; choose the cutoff',
  usage,
  options: {
    model: { type: 'string' },
    positives: { type: 'string', multiple: true },
    negatives: { type: 'string', multiple: true },
    'target-fa-per-hour': { type: 'string' },
    vad: { type: 'string' },
    esphome: { type: 'string' },
    window: { type: 'string' },
    jobs: { type: 'string' },
    plot: { type: 'string' },
  },
  async run(args, out) {
    const modelFile = required(args, 'model', usage);
    const pos = requiredDirs(args, 'positives');
    const neg = requiredDirs(args, 'negatives');
    if (args.positionals.length) throw new MwwError('usage', `unexpected argument "${args.positionals[0]}"; give recordings with --positives and --negatives\n\n${usage}`);
    const plot = str(args, 'plot');
    const plotAs = plot === undefined ? undefined : plotFormat(plot);
    const vadFile = str(args, 'vad');
    const target = num(args, 'target-fa-per-hour', { min: 0 }) ?? DEFAULT_TARGET_FA_PER_HOUR;
    const jobs = num(args, 'jobs', { min: 1, integer: true });
    const rule = esphomeRule(args);
    const window = num(args, 'window', { min: 1, integer: true });
    checkOutputs([{ flag: '--plot', path: plot }], [{ flag: '--model', path: modelFile }, { flag: '--vad', path: vadFile }, ...[...pos, ...neg].map((p) => ({ flag: 'an input', path: p }))]);

    const ww = await loadDetectorModel(modelFile, { window });
    const vad = vadFile !== undefined ? await loadDetectorModel(vadFile) : undefined;
    const posFiles = await collectWavs(pos, 'positives');
    const negFiles = await collectWavs(neg, 'negatives');
    const all = [...posFiles, ...negFiles];

    const progress = out.progress('scoring', all.length);
    const scored = await scoreFiles(all, { model: ww.model, modelPath: ww.modelPath, vadModel: vad?.model, vadModelPath: vad?.modelPath }, { jobs, onDone: (d) => progress.update(d) });
    progress.done();
    const positives = scored.slice(0, posFiles.length);
    const negatives = scored.slice(posFiles.length);
    const negSeconds = negatives.reduce((s, c) => s + c.durationSeconds, 0);
    const posSeconds = positives.reduce((s, c) => s + c.durationSeconds, 0);

    const sweepOpts = {
      window: ww.window,
      stride: ww.stride,
      esphome: rule,
      featureStepMs: ww.featureStepMs,
      vad: vad ? { cutoff: vad.cutoff, window: vad.window, stride: vad.stride } : undefined,
    };
    const curve = sweepCutoffs(positives, negatives, sweepOpts);
    const { point: chosen, met } = chooseCutoff(curve, target);
    const current: SweepPoint = sweepCutoffs(positives, negatives, { ...sweepOpts, cutoffs: [ww.cutoff] })[0]!;

    if (plot) {
      const title = `${ww.wakeWord}: ${positives.length} positive clip(s), ${(negSeconds / 3600).toFixed(3)} h of negatives (ESPHome ${rule})`;
      const roc = rocChart(title, curve, chosen);
      const doc =
        plotAs === 'svg'
          ? roc
          : renderHtml(`mww eval: ${ww.wakeWord}`, [
              { heading: 'False rejection rate against false accepts per hour', svg: roc, text: `chosen cutoff ${chosen.cutoff} (target ${target} FA/h${met ? '' : ', not met'})` },
              { heading: 'Against the cutoff', svg: cutoffChart(title, curve, chosen) },
            ]);
      await writeFileAtomic(plot, doc);
    }

    const notes = [...ww.notes, ...(vad?.notes ?? [])];
    if (negSeconds < 3600) notes.push(`only ${(negSeconds / 60).toFixed(1)} min of negative audio: one false accept is ${(3600 / Math.max(negSeconds, 1e-9)).toFixed(1)} per hour; use hours of negatives for a dependable cutoff`);
    for (const s of scored) for (const n of s.notes) notes.push(`${s.path}: ${n}`);

    out.result({
      model: { wakeWord: ww.wakeWord, path: ww.modelPath, manifest: ww.manifestPath ?? null, window: ww.window, stride: ww.stride, manifestCutoff: ww.cutoff },
      esphome: rule,
      positives: { files: positives.length, seconds: posSeconds },
      negatives: { files: negatives.length, seconds: negSeconds, hours: negSeconds / 3600 },
      targetFaPerHour: target,
      chosen: { ...chosen, metTarget: met },
      atCurrentCutoff: current,
      curve,
      perFile: {
        positives: positives.map((p) => ({ path: p.path, durationSeconds: p.durationSeconds })),
        negatives: negatives.map((p) => ({ path: p.path, durationSeconds: p.durationSeconds })),
      },
      plot: plot ?? null,
      notes,
    });

    out.line(`model: ${ww.wakeWord} (${path.basename(ww.modelPath)}), window ${ww.window}, ESPHome ${rule} rule${vad ? ', VAD gated' : ''}`);
    out.line(`positives: ${positives.length} file(s), ${posSeconds.toFixed(1)} s; negatives: ${negatives.length} file(s), ${(negSeconds / 3600).toFixed(4)} h`);
    out.line();
    out.line('cutoff   FRR      FA/hour');
    const show = new Set([0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, chosen.cutoff, ww.cutoff]);
    for (const p of curve.filter((c) => show.has(c.cutoff))) {
      const mark = p.cutoff === chosen.cutoff ? '  <- chosen' : '';
      out.line(`${p.cutoff.toFixed(2).padEnd(8)} ${(p.falseRejectionRate * 100).toFixed(1).padStart(5)} %  ${p.falseAcceptsPerHour.toFixed(2).padStart(8)}${mark}`);
    }
    out.line();
    out.line(
      met
        ? `chosen cutoff ${chosen.cutoff}: FRR ${(chosen.falseRejectionRate * 100).toFixed(1)} %, ${chosen.falseAcceptsPerHour.toFixed(2)} false accepts/hour (target ≤ ${target})`
        : `no cutoff meets ${target} false accepts/hour; the fewest is ${chosen.falseAcceptsPerHour.toFixed(2)}/hour at cutoff ${chosen.cutoff} (FRR ${(chosen.falseRejectionRate * 100).toFixed(1)} %)`,
    );
    out.line(`manifest cutoff ${ww.cutoff}: FRR ${(current.falseRejectionRate * 100).toFixed(1)} %, ${current.falseAcceptsPerHour.toFixed(2)} false accepts/hour`);
    for (const n of notes) out.info(`note: ${n}`);
    if (plot) out.line(`plot written to ${plot}`);
    return 0;
  },
};

export default command;
