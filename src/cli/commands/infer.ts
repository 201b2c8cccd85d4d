/** `mww infer`: run a model over raw int8 feature slices on the TFLM-exact host runtime. */
import { MwwError } from '../../errors.js';
import { FEATURES_PER_SLICE, MicroInterpreter, invokeStream } from '../../micro/interpreter.js';
import { readModelFile } from '../../tflite/file.js';
import { readUserFile, writeFileAtomic } from '../../util/fs.js';
import type { Command } from '../command.js';
import { checkOutputs, noExtraPositionals, required } from '../args.js';

const usage = `Usage: mww infer MODEL.tflite --features IN.i8 --output OUT.u8 [--json]

Runs MODEL on the host exactly as TensorFlow Lite Micro runs it on the ESP32.
IN holds raw int8 feature slices of ${FEATURES_PER_SLICE} bytes (ESPHome's int8 features, e.g. from \`mww features\`).
Slices are grouped \`stride\` per invoke in order (slices 0..stride-1 form invoke 1), state carried across
invokes; trailing slices that do not fill an invoke are dropped. OUT gets one uint8 per invoke.

Options:
  --features PATH   int8 feature slices (${FEATURES_PER_SLICE} bytes each)
  --output PATH     where to write the uint8 outputs (one byte per invoke)
  --json            print a JSON summary`;

const command: Command = {
  name: 'infer',
  summary: 'Run a model on int8 feature slices, bit-exact with TFLM (one uint8 per invoke)',
  usage,
  options: {
    features: { type: 'string' },
    output: { type: 'string', short: 'o' },
  },
  async run(args, out) {
    const [modelPath] = args.positionals;
    if (!modelPath) throw new MwwError('usage', `missing MODEL.tflite\n\n${usage}`);
    noExtraPositionals(args, usage, 1);
    const featuresPath = required(args, 'features', usage);
    const outputPath = required(args, 'output', usage);
    checkOutputs([{ flag: '--output', path: outputPath }], [{ flag: 'MODEL', path: modelPath }, { flag: '--features', path: featuresPath }]);

    const { model } = await readModelFile(modelPath);
    const raw = await readUserFile(featuresPath, 'feature file');
    if (raw.byteLength % FEATURES_PER_SLICE !== 0) {
      throw new MwwError(
        'input',
        `feature file is ${raw.byteLength} bytes, not a whole number of ${FEATURES_PER_SLICE}-byte int8 slices (${Math.floor(raw.byteLength / FEATURES_PER_SLICE)} slices + ${raw.byteLength % FEATURES_PER_SLICE} bytes)`,
        { where: featuresPath },
      );
    }
    const features = new Int8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    const interpreter = MicroInterpreter.create(model, { source: modelPath });
    const slices = raw.byteLength / FEATURES_PER_SLICE;
    const started = performance.now();
    const outputs = invokeStream(interpreter, features);
    const invokes = outputs.length;
    const seconds = (performance.now() - started) / 1000;
    await writeFileAtomic(outputPath, outputs);

    let max = 0;
    let maxAt = -1;
    for (let i = 0; i < invokes; i++) {
      if (outputs[i]! > max || maxAt < 0) {
        max = outputs[i]!;
        maxAt = i;
      }
    }
    const dropped = slices - invokes * interpreter.stride;
    out.result({
      model: modelPath,
      features: featuresPath,
      output: outputPath,
      stride: interpreter.stride,
      slices,
      invokes,
      droppedSlices: dropped,
      maxOutput: invokes > 0 ? max : null,
      maxOutputAt: invokes > 0 ? maxAt : null,
      seconds,
    });
    out.line(`${invokes} invokes (${slices} slices, stride ${interpreter.stride}${dropped ? `, ${dropped} trailing slices dropped` : ''}) → ${outputPath}`);
    if (invokes > 0) out.line(`max output ${max} (p=${(max / 256).toFixed(4)}) at invoke ${maxAt}`);
    if (invokes === 0) out.warn(`fewer than ${interpreter.stride} slices: no invoke ran, ${outputPath} is empty`);
    return 0;
  },
};

export default command;
