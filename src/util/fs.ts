import { promises as fsp, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { MwwError } from '../errors.js';

/**
 * Write a file so that readers see either the old content or the whole new content, never a half-written
 * file: write a temporary sibling, fsync it, then rename over the target (rename is atomic on one file system).
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(path.resolve(target));
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.mww-tmp-${path.basename(target)}-${randomBytes(6).toString('hex')}`);
  try {
    const fh = await fsp.open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, target);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    const err = e as NodeJS.ErrnoException;
    throw new MwwError('io', `cannot write file (${err.code ?? err.message})`, { where: target, cause: e });
  }
}

/**
 * Read a whole user-supplied file with specific errors for the usual mistakes (missing, a directory, no
 * permission, empty) instead of a raw ENOENT/EISDIR.
 */
export async function readUserFile(file: string, what: string, opts: { allowEmpty?: boolean } = {}): Promise<Uint8Array> {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MwwError('input', `${what} not found`, { where: file });
    if (code === 'EACCES') throw new MwwError('io', `permission denied reading ${what}`, { where: file });
    throw new MwwError('io', `cannot read ${what} (${code})`, { where: file, cause: e });
  }
  if (st.isDirectory()) throw new MwwError('input', `expected a ${what} file, found a directory`, { where: file });
  let data: Buffer;
  try {
    data = await fsp.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES') throw new MwwError('io', `permission denied reading ${what}`, { where: file });
    throw new MwwError('io', `cannot read ${what} (${code})`, { where: file, cause: e });
  }
  if (data.length === 0 && !opts.allowEmpty) throw new MwwError('input', `${what} is empty (0 bytes)`, { where: file });
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
