/** `mww features`: the device's feature slices for a WAV file (TFLM micro frontend + ESPHome's int8 step). */
import { MwwError } from '../../errors.js';
import { readWav } from '../../audio/wav.js';
import { computeFeatures } from '../../frontend/index.js';
import { FEATURES_PER_SLICE } from '../../micro/interpreter.js';
import { writeFileAtomic } from '../../util/fs.js';
import type { Command } from '../command.js';
import { checkOutputs, noExtraPositionals, required, str } from '../args.js';

const usage = `Usage: mww features IN.wav --output OUT.i8 [--u16 OUT.u16] [--json]

Computes the feature slices ESPHome's micro_wake_word computes on the device for IN: the TFLM micro
frontend (40 channels, 30 ms window, 10 ms step, noise reduction, PCAN, log scale) fed 160 samples per
step, then ESPHome's int8 conversion. Slice k covers audio up to (k + 3) · 10 ms; the first two steps
only fill the window.

IN should be 16 kHz mono 16-bit PCM; other rates, channel counts and bit depths are converted (and the
conversion is reported).

Options:
  --output PATH   int8 slices, ${FEATURES_PER_SLICE} bytes each (what the model's input receives)
  --u16 PATH      also write the frontend's raw uint16 slices (${FEATURES_PER_SLICE} little-endian values each)
  --json          print {slices, seconds, output, u16, notes}`;

const command: Command = {
  name: 'features',
  summary: 'Compute the device-identical int8 feature slices of a WAV file',
  usage,
  options: {
    output: { type: 'string', short: 'o' },
    u16: { type: 'string' },
  },
  async run(args, out) {
    const input = args.positionals[0];
    if (!input) throw new MwwError('usage', `missing IN.wav\n\n${usage}`);
    noExtraPositionals(args, usage, 1);
    const output = required(args, 'output', usage);
    const u16Path = str(args, 'u16');
    checkOutputs([{ flag: '--output', path: output }, { flag: '--u16', path: u16Path }], [{ flag: 'IN.wav', path: input }]);

    const audio = await readWav(input);
    const { u16, i8, slices } = computeFeatures(audio.samples);
    const seconds = audio.samples.length / audio.sampleRate;

    await writeFileAtomic(output, new Uint8Array(i8.buffer, i8.byteOffset, i8.byteLength));
    if (u16Path !== undefined) {
      // Raw uint16 slices are little-endian, like the reference files; convert on big-endian hosts.
      const bytes = new Uint8Array(u16.length * 2);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < u16.length; i++) view.setUint16(2 * i, u16[i]!, true);
      await writeFileAtomic(u16Path, bytes);
    }

    out.result({ input, slices, seconds, output, u16: u16Path ?? null, notes: audio.notes });
    if (!out.json) for (const note of audio.notes) out.info(`note: ${note}`);
    out.line(`${slices} slices (${FEATURES_PER_SLICE} values each) from ${seconds.toFixed(2)} s of audio → ${output}${u16Path !== undefined ? `, ${u16Path}` : ''}`);
    if (slices === 0) out.warn(`the audio is shorter than one 30 ms window: no slices, ${output} is empty`);
    return 0;
  },
};

export default command;
