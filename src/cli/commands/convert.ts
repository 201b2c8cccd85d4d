import path from 'node:path';
import type { Command } from '../command.js';
import { MwwError } from '../../errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import { convertCheckpoint } from '../../convert/index.js';
import type { RawFlags } from '../../convert/config.js';
import { buildManifest, writeManifest } from '../../manifest/manifest.js';

/** Command-line names of microWakeWord's model flags (dashes for underscores). */
const FLAG_OPTIONS = [
  'model-name',
  'first-conv-filters',
  'first-conv-kernel-size',
  'stride',
  'pointwise-filters',
  'repeat-in-block',
  'mixconv-kernel-sizes',
  'residual-connection',
  'spatial-attention',
  'pooled',
  'max-pool',
  'spectrogram-length',
] as const;

const command: Command = {
  name: 'convert',
  summary: 'Convert a microWakeWord checkpoint (or float streaming TFLite) to the int8 streaming TFLite ESPHome runs',
  usage: [
    'Usage: mww convert SOURCE --calibration PATH [--calibration PATH…] --output MODEL.tflite [options]',
    '',
    'SOURCE: a microWakeWord training directory (best_weights.weights.h5 + training_config.yaml),',
    '        a Keras 3 .weights.h5 (with --config or model flags; otherwise inferred from the weights, stride 3),',
    '        or a float streaming .tflite.',
    '',
    'Options:',
    '  --config FILE            training_config.yaml',
    '  --calibration PATH       WAV file/dir, .npy [N,L,40] features, .f32, RaggedMmap dir; repeatable.',
    '                           "synthetic" = random data, for tests only (unsuitable for deployment)',
    '  --output, -o FILE        the .tflite to write (atomically; nothing is written on failure)',
    '  --manifest [FILE]        also write the V2 manifest (default: beside the model, .json)',
    '  --wake-word TEXT         wake word for the manifest (default: the output name)',
    '  --author TEXT            manifest author (default: "mww")',
    '  --' + FLAG_OPTIONS.join(', --') + '  model flags (microWakeWord names), override the config',
  ].join('\n'),
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
    if (!source || args.positionals.length > 1) throw new MwwError('usage', 'convert takes exactly one SOURCE (training directory, .weights.h5 or float .tflite)');
    const output = args.values.output as string | undefined;
    if (!output) throw new MwwError('usage', '--output MODEL.tflite is required');
    const flags: RawFlags = {};
    for (const f of FLAG_OPTIONS) {
      const v = args.values[f];
      if (typeof v === 'string') flags[f.replace(/-/g, '_')] = /^-?\d+$/.test(v) ? Number(v) : v;
    }
    const calibration = (args.values.calibration as string[] | undefined) ?? [];
    const progress = out.progress('calibrating', 1);
    let started = false;
    const { tflite, report } = await convertCheckpoint({
      source,
      config: args.values.config as string | undefined,
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
    await writeFileAtomic(output, tflite);
    let manifestPath: string | undefined;
    if (args.values.manifest || args.values['manifest-path']) {
      manifestPath = (args.values['manifest-path'] as string | undefined) ?? output.replace(/\.tflite$/i, '') + '.json';
      const manifest = buildManifest({
        model: path.relative(path.dirname(path.resolve(manifestPath)), path.resolve(output)),
        wakeWord: (args.values['wake-word'] as string | undefined) ?? path.basename(output).replace(/\.tflite$/i, '').replace(/_/g, ' '),
        author: (args.values.author as string | undefined) ?? 'mww',
        cutoff: 0.97,
        window: 5,
        tensorArenaSize: report.recommendedArena,
      });
      await writeManifest(manifestPath, manifest);
    }
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
