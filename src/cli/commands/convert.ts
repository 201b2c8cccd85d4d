import path from 'node:path';
import type { Command } from '../command.js';
import { MwwError } from '../../errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import { checkOutputs, noExtraPositionals, required, str } from '../args.js';
import { convertCheckpoint } from '../../convert/index.js';
import { MODEL_FLAG_NAMES, type FlagOrigin, type RawFlags } from '../../convert/config.js';
import { buildManifest, manifestAuthor, writeManifest } from '../../manifest/manifest.js';

/** Command-line names of microWakeWord's model flags (dashes for underscores), MixedNet's and Inception's. */
const FLAG_OPTIONS = MODEL_FLAG_NAMES.map((n) => n.replace(/_/g, '-'));

const ORIGIN_LABELS: Record<FlagOrigin, string> = { option: 'from options', config: 'from the config', weights: 'from the weights', default: 'defaults' };

/** Lay out option names in indented lines of at most `width` characters. */
function wrapOptions(items: string[], width: number): string[] {
  const lines: string[] = [];
  let line = ' ';
  for (const item of items) {
    if (line.length + item.length + 1 > width) {
      lines.push(line);
      line = ' ';
    }
    line += ` ${item}`;
  }
  return [...lines, line];
}

const usage = [
  'Usage: mww convert SOURCE --calibration PATH [--calibration PATH…] --output MODEL.tflite [options]',
  '',
  'SOURCE: a microWakeWord training directory (best_weights.weights.h5 + training_config.yaml),',
  '        a Keras 3 .weights.h5 (with --config and/or model flags as options; flags given neither way are',
  '        inferred from the weight shapes where they show, else microWakeWord\'s defaults: stride 3, no residual…),',
  '        or a float streaming .tflite.',
  '',
  'Options:',
  '  --config FILE            training_config.yaml',
  '  --calibration PATH       WAV file/dir, .npy [N,L,40] features, .f32, RaggedMmap dir; repeatable.',
  '                           "synthetic" = random data, for tests only (unsuitable for deployment)',
  '  --output, -o FILE        the .tflite to write (atomically; nothing is written on failure)',
  '  --manifest               also write the V2 manifest beside the model (MODEL.json)',
  '  --manifest-path FILE     write the V2 manifest to FILE',
  '  --wake-word TEXT         wake word for the manifest (default: the output name)',
  '  --author TEXT            manifest author (default: "mww"); with --calibration synthetic it gets the suffix',
  '                           "(synthetic calibration: not for deployment)": the V2 manifest has no notes field',
  '',
  'Model flags (microWakeWord\'s names, dashed; each overrides the config; without a config, flags not given',
  'are inferred from the weights where the shapes show them, and the output says which came from where):',
  ...wrapOptions(FLAG_OPTIONS.map((f) => `--${f} V`), 100),
].join('\n');

const command: Command = {
  name: 'convert',
  summary: 'Convert a microWakeWord checkpoint (or float streaming TFLite) to the int8 streaming TFLite ESPHome runs',
  usage,
  options: {
    config: { type: 'string' },
    calibration: { type: 'string', multiple: true },
    output: { type: 'string', short: 'o' },
    manifest: { type: 'boolean' },
    'manifest-path': { type: 'string' },
    'wake-word': { type: 'string' },
    author: { type: 'string' },
    ...Object.fromEntries(FLAG_OPTIONS.map((f) => [f, { type: 'string' as const }])),
  },
  async run(args, out) {
    const source = args.positionals[0];
    if (!source) throw new MwwError('usage', `convert takes one SOURCE (training directory, .weights.h5 or float .tflite)\n\n${usage}`);
    noExtraPositionals(args, usage, 1);
    const output = required(args, 'output', usage);
    const config = str(args, 'config');
    const flags: RawFlags = {};
    for (const f of FLAG_OPTIONS) {
      const v = str(args, f);
      if (v !== undefined) flags[f.replace(/-/g, '_')] = /^-?\d+$/.test(v) ? Number(v) : v;
    }
    const calibration = (args.values.calibration as string[] | undefined) ?? [];
    const manifestPath = str(args, 'manifest-path') ?? (args.values.manifest ? output.replace(/\.tflite$/i, '') + '.json' : undefined);
    checkOutputs(
      [
        { flag: '--output', path: output },
        { flag: '--manifest-path', path: manifestPath },
      ],
      [{ flag: 'SOURCE', path: source }, { flag: '--config', path: config }, ...calibration.map((p) => ({ flag: '--calibration', path: p }))],
    );
    const progress = out.progress('calibrating', 1);
    let started = false;
    const { tflite, report } = await convertCheckpoint({
      source,
      config,
      calibration,
      flags,
      onProgress: (done, total) => {
        started = true;
        progress.update(done / total);
      },
    });
    if (started) progress.done(`${report.calibration.invokes} invokes`);
    if (!report.contract.ok) {
      throw new MwwError('contract', `the converted model breaks ESPHome's contract, not written: ${report.contract.problems.join('; ')}`);
    }
    // Built (and validated) before anything is written, so a bad manifest value leaves no model behind.
    const manifest =
      manifestPath === undefined
        ? undefined
        : buildManifest({
            model: path.relative(path.dirname(path.resolve(manifestPath)), path.resolve(output)),
            wakeWord: str(args, 'wake-word') ?? path.basename(output).replace(/\.tflite$/i, '').replace(/_/g, ' '),
            // The V2 schema has no notes field (ESPHome rejects unknown keys): the synthetic label goes into author.
            author: manifestAuthor(str(args, 'author') ?? 'mww', report.calibration.synthetic),
            cutoff: 0.97,
            window: 5,
            tensorArenaSize: report.recommendedArena,
          });
    await writeFileAtomic(output, tflite);
    if (manifestPath !== undefined && manifest) await writeManifest(manifestPath, manifest);
    if (out.json) {
      out.result({ output, manifest: manifestPath, ...report });
      return 0;
    }
    for (const n of report.notes) out.warn(n);
    out.line(`${out.paint('green', 'converted')} ${source} → ${output} (${report.bytes} bytes) in ${report.timeMs} ms`);
    if (report.flags) {
      const f = report.flags;
      out.line(`  model: ${f.modelName}, first conv ${f.firstConvFilters}×${f.firstConvKernelSize} stride ${f.stride}, pointwise ${f.pointwiseFilters.join(',')}, kernels ${JSON.stringify(f.mixconvKernelSizes)}${f.residualConnection.some((r) => r) ? `, residual ${f.residualConnection.join(',')}` : ''}${f.spatialAttention ? ', spatial attention' : ''}${f.pooled ? `, pooled (${f.maxPool ? 'max' : 'average'})` : ''}`);
    }
    if (report.flagSources) {
      const sources = Object.entries(report.flagSources);
      const groups = (Object.keys(ORIGIN_LABELS) as FlagOrigin[])
        .map((origin) => [origin, sources.filter(([, o]) => o === origin).map(([name]) => name)] as const)
        .filter(([, names]) => names.length > 0);
      out.line(`  flags: ${groups.map(([origin, names]) => `${ORIGIN_LABELS[origin]}: ${names.join(', ')}`).join('; ')}`);
    }
    out.line(`  ops (${report.operatorCount}): ${Object.entries(report.ops).map(([k, v]) => `${k}×${v}`).join(' ')}`);
    out.line(`  state variables (${report.variables.length}): ${report.variables.map((v) => `${v.name}[${v.shape.join(',')}]`).join(' ')}; variable arena ${report.variableArena.bytes}/1024 bytes`);
    out.line(`  calibration: ${report.calibration.spectrograms} spectrograms, ${report.calibration.invokes} invokes${report.calibration.synthetic ? out.paint('red', ' (SYNTHETIC: not for deployment)') : ''}`);
    for (const a of report.arena) out.line(`  arena ${a.target}: ${a.min} bytes minimum`);
    out.line(`  recommended tensor_arena_size: ${report.recommendedArena}`);
    if (manifestPath) out.line(`  manifest: ${manifestPath}`);
    return 0;
  },
};

export default command;
