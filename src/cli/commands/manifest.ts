import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from '../command.js';
import { MwwError } from '../../errors.js';
import { readUserFile, writeFileAtomic } from '../../util/fs.js';
import { checkOutputs, num, str, strList } from '../args.js';
import { buildManifest, isUrl, writeManifest } from '../../manifest/manifest.js';
import { readModelFile } from '../../tflite/file.js';
import { checkEsphomeContract } from '../../micro/contract.js';
import { SUPPORTED_TARGETS, parseTarget, recommendedArena, targetLabel, type ArenaTarget } from '../../micro/arena/index.js';
import { DEFAULT_CUTOFF, DEFAULT_WINDOW } from '../../detect/rules.js';

const usage = `Usage: mww manifest M.tflite --wake-word "Hey Mycroft" --output M.json [options]

Writes an ESPHome V2 model manifest (validated against ESPHome's schema) for a streaming model, with the
tensor_arena_size computed for the device.

Options:
  --wake-word TEXT     the phrase (required)
  --output M.json      where to write the manifest (required). "model" in the manifest is the .tflite's file
                       name; when the manifest goes to another directory, the .tflite is copied beside it
                       (refused if a different file of that name is already there)
  --author NAME        default "unknown"
  --website URL        optional http(s) URL
  --languages en,de    trained languages (default en)
  --cutoff C           probability cutoff 0–1 (default ${DEFAULT_CUTOFF})
  --cutoff-from E.json take the chosen cutoff from a saved \`mww eval --json\` result
  --window N           sliding window size (default ${DEFAULT_WINDOW})
  --target CHIP        esp32 or esp32s3: size the arena for this chip; without it, the largest over all
                       supported targets (${SUPPORTED_TARGETS.map(targetLabel).join(', ')})
  --esp-nn VERSION     esp-nn version of the target (default 1.1.2, what ESPHome pins)
  --json               {manifest, arena: {value, min, margin, target}, output, modelCopied}`;

async function cutoffFromEval(file: string): Promise<number> {
  const bytes = await readUserFile(file, 'eval result');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new MwwError('input', `not JSON (${(e as Error).message.replace(/[^\x20-\x7e]/g, '?')}); expected the output of \`mww eval --json\``, { where: file });
  }
  const c = (json as { chosen?: { cutoff?: unknown } })?.chosen?.cutoff;
  if (typeof c !== 'number' || !(c >= 0 && c <= 1)) throw new MwwError('input', `no "chosen.cutoff" number from 0 to 1 in it; expected the output of \`mww eval --json\``, { where: file });
  return c;
}

const command: Command = {
  name: 'manifest',
  summary: 'Write an ESPHome V2 manifest for a model, with the exact tensor arena size',
  usage,
  options: {
    'wake-word': { type: 'string' },
    author: { type: 'string' },
    website: { type: 'string' },
    languages: { type: 'string', multiple: true },
    cutoff: { type: 'string' },
    'cutoff-from': { type: 'string' },
    window: { type: 'string' },
    target: { type: 'string' },
    'esp-nn': { type: 'string' },
    output: { type: 'string', short: 'o' },
  },
  async run(args, out) {
    if (args.positionals.length !== 1) throw new MwwError('usage', `give exactly one .tflite model\n\n${usage}`);
    const tflite = args.positionals[0]!;
    const wakeWord = str(args, 'wake-word');
    if (!wakeWord || !wakeWord.trim()) throw new MwwError('usage', `--wake-word is required\n\n${usage}`);
    const output = str(args, 'output');
    if (!output) throw new MwwError('usage', `--output is required (the manifest .json to write)\n\n${usage}`);
    if (!/\.json$/i.test(output)) throw new MwwError('usage', `--output must be a .json file, got "${output}"`);
    const website = str(args, 'website');
    if (website !== undefined && !isUrl(website)) throw new MwwError('usage', `--website must be an http(s) URL such as https://example.com/, got "${website}"`);
    if (str(args, 'cutoff') !== undefined && str(args, 'cutoff-from') !== undefined) throw new MwwError('usage', 'give --cutoff or --cutoff-from, not both');
    checkOutputs([{ flag: '--output', path: output }], [{ flag: 'the model', path: tflite }, { flag: '--cutoff-from', path: str(args, 'cutoff-from') }]);
    const cutoff = str(args, 'cutoff-from') !== undefined ? await cutoffFromEval(str(args, 'cutoff-from')!) : (num(args, 'cutoff', { min: 0, max: 1 }) ?? DEFAULT_CUTOFF);
    const window = num(args, 'window', { min: 1, integer: true }) ?? DEFAULT_WINDOW;
    const languages = strList(args, 'languages');
    const chip = str(args, 'target');
    const espNn = str(args, 'esp-nn');
    if (espNn !== undefined && chip === undefined) throw new MwwError('usage', '--esp-nn needs --target (esp32 or esp32s3)');
    const target: ArenaTarget | undefined = chip !== undefined ? parseTarget(chip, espNn) : undefined;

    const { model, bytes } = await readModelFile(tflite);
    const contract = checkEsphomeContract(model);
    if (!contract.ok) {
      throw new MwwError('contract', `ESPHome could not run this model, so no manifest was written:\n  - ${contract.problems.join('\n  - ')}`, {
        where: tflite,
        details: { problems: contract.problems },
      });
    }

    const rec = recommendedArena(model, target);
    const min = rec.min;

    // "model" must be a plain name beside the manifest: copy the .tflite there when the directories differ.
    const outDir = path.dirname(path.resolve(output));
    const modelName = path.basename(tflite);
    const besidePath = path.join(outDir, modelName);
    let modelCopied = false;
    if (path.resolve(tflite) !== besidePath) {
      if (existsSync(besidePath)) {
        const existing = readFileSync(besidePath);
        if (!Buffer.from(bytes).equals(existing)) {
          throw new MwwError('io', `a different file named ${modelName} is already beside the manifest; the manifest's "model" would point at it. Move it away or write the manifest next to ${tflite}`, {
            where: besidePath,
          });
        }
      } else {
        await writeFileAtomic(besidePath, bytes);
        modelCopied = true;
      }
    }

    const manifest = buildManifest({
      model: modelName,
      wakeWord: wakeWord.trim(),
      author: str(args, 'author') ?? 'unknown',
      website,
      languages: languages.length ? languages : undefined,
      cutoff,
      window,
      tensorArenaSize: rec.value,
    });
    await writeManifest(output, manifest);

    const targetText = rec.target === 'max-over-targets' ? `the largest over ${SUPPORTED_TARGETS.map(targetLabel).join(', ')}` : targetLabel(rec.target);
    out.result({
      manifest,
      arena: { value: rec.value, min, margin: rec.value - min, marginAdded: rec.margin, target: rec.target },
      output,
      model: besidePath,
      modelCopied,
    });
    out.line(`wrote ${output}`);
    if (modelCopied) out.line(`copied ${tflite} to ${besidePath} (the manifest names the model relative to itself)`);
    out.line(`wake word "${manifest.wake_word}", cutoff ${cutoff}, window ${window}, languages ${manifest.trained_languages.join(', ')}`);
    out.line(`tensor_arena_size ${rec.value} = minimum ${min} bytes for ${targetText}, rounded to 16 + ${rec.margin} bytes margin`);
    return 0;
  },
};

export default command;
