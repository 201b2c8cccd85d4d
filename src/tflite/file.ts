/** Reading a model from disk: file-level errors (missing, directory, empty) then readModel with the path as source. */
import { readUserFile } from '../util/fs.js';
import { readModel } from './reader.js';
import type { TfliteModel } from './model.js';

export async function readModelFile(path: string): Promise<{ model: TfliteModel; bytes: Uint8Array; path: string }> {
  const bytes = await readUserFile(path, 'TFLite model');
  return { model: readModel(bytes, path), bytes, path };
}
