import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { MwwError } from '../errors.js';
import { readUserFile, writeFileAtomic } from '../util/fs.js';
import { manifestToJson, validateManifestDetailed, type ManifestV2 } from './schema.js';

export * from './schema.js';

export interface LoadedManifest {
  manifest: ManifestV2;
  /** Absolute path of the .tflite the manifest names. */
  modelPath: string;
  /** Absolute directory of the manifest. */
  dir: string;
  sourceVersion: 1 | 2;
  notes: string[];
}

/** Parse manifest text; JSON errors name the file. */
export function parseManifestText(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new MwwError('input', `not valid JSON (${(e as Error).message}); a wake word manifest is a JSON file`, { where });
  }
}

/** Read, validate (V1 upgraded) and resolve a manifest; the model file it names must exist. */
export async function loadManifest(file: string): Promise<LoadedManifest> {
  const bytes = await readUserFile(file, 'manifest');
  const json = parseManifestText(Buffer.from(bytes).toString('utf8'), file);
  const { manifest, sourceVersion, notes } = validateManifestDetailed(json, file);
  const dir = path.dirname(path.resolve(file));
  const modelPath = path.resolve(dir, manifest.model);
  if (!existsSync(modelPath)) {
    throw new MwwError('input', `the manifest's model "${manifest.model}" does not exist (looked for ${modelPath}); ESPHome resolves it relative to the manifest`, {
      where: file,
    });
  }
  if (statSync(modelPath).isDirectory()) throw new MwwError('input', `the manifest's model "${manifest.model}" is a directory, not a .tflite file`, { where: file });
  return { manifest, modelPath, dir, sourceVersion, notes };
}

/** Write a manifest atomically, in ESPHome's field order. */
export async function writeManifest(file: string, manifest: ManifestV2): Promise<void> {
  await writeFileAtomic(file, manifestToJson(manifest));
}
