import { promises as fsp, realpathSync, rmSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { MwwError } from '../errors.js';

/** Plain words for the file-system error codes users actually meet. */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'ENOENT':
      return 'no such file or directory';
    case 'EEXIST':
      return 'it already exists';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EBUSY':
      return 'the file is busy';
    default:
      return err?.code ?? err?.message ?? String(e);
  }
}

// Temporary files and directories that are being written right now: removed if the process is interrupted,
// so a Ctrl-C never leaves `.mww-tmp-*` litter next to the user's files.
const pendingTemps = new Set<string>();

export function trackTemp(p: string): void {
  pendingTemps.add(p);
}

export function untrackTemp(p: string): void {
  pendingTemps.delete(p);
}

/** Synchronously remove every temporary still being written (for exit and signal handlers). */
function removePendingTemps(): void {
  for (const p of pendingTemps) {
    try {
      rmSync(p, { recursive: true, force: true });
    } catch {
      // Best effort: the process is going away.
    }
  }
  pendingTemps.clear();
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * For the real `mww` process (bin/mww.js), not in-process test runs: remove temporaries on exit and on
 * Ctrl-C/SIGTERM/SIGHUP. Commands that handle SIGINT themselves (monitor, sim) register their own listener;
 * then this one only cleans up and leaves stopping to them.
 */
export function installInterruptCleanup(proc: NodeJS.Process = process): void {
  proc.on('exit', removePendingTemps);
  for (const [signal, code] of Object.entries(SIGNAL_EXIT)) {
    proc.on(signal, () => {
      removePendingTemps();
      if (proc.listenerCount(signal) <= 1) {
        proc.stderr.write(`\ninterrupted (${signal})\n`);
        proc.exit(code);
      }
    });
  }
}

/** stat that answers undefined for "nothing there" (including a file where a parent directory would be). */
export function statIfExists(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new MwwError('io', `cannot access (${describeFsError(e)})`, { where: p, cause: e });
  }
}

/**
 * `mkdir -p` with specific errors. Node's own recursive mkdir loops forever under /proc (it keeps getting
 * ENOENT) and reports a file in the way as a bare EEXIST; here the nearest existing ancestor is found first.
 */
export async function ensureDir(dir: string): Promise<void> {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  let cur = abs;
  for (;;) {
    let st;
    try {
      st = statSync(cur);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new MwwError('io', `cannot create directory: ${describeFsError(e)}`, { where: cur, cause: e });
      missing.push(cur);
      const up = path.dirname(cur);
      if (up === cur) throw new MwwError('io', 'cannot create directory: no existing parent', { where: abs });
      cur = up;
      continue;
    }
    if (!st.isDirectory()) {
      const rel = path.relative(cur, abs);
      throw new MwwError('io', rel ? `is a file, not a directory, so ${rel} cannot be created inside it` : 'is a file where a directory is needed', { where: cur });
    }
    break;
  }
  for (const d of missing.reverse()) {
    try {
      await fsp.mkdir(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statIfExists(d)?.isDirectory()) continue;
      // mkdir of a new entry under /proc or /sys answers ENOENT although the parent exists.
      const why = code === 'ENOENT' ? 'the file system does not allow creating it' : describeFsError(e);
      throw new MwwError('io', `cannot create directory: ${why}`, { where: d, cause: e });
    }
  }
}

/**
 * Fail early, before long work, when `target` cannot be an output file: it is a directory, or a file sits
 * where a parent directory would have to be. (Permission problems still surface at write time.)
 */
export function checkOutputPath(target: string, flag?: string): void {
  const needs = flag ? `${flag} needs` : 'expected';
  if (statIfExists(target)?.isDirectory()) throw new MwwError('usage', `is a directory; ${needs} a file path to write`, { where: target });
  let cur = path.dirname(path.resolve(target));
  for (;;) {
    const s = statIfExists(cur);
    if (s) {
      if (!s.isDirectory()) throw new MwwError('usage', `cannot be written${flag ? ` (${flag})` : ''}: ${cur} is a file, not a directory`, { where: target });
      return;
    }
    const up = path.dirname(cur);
    if (up === cur) return;
    cur = up;
  }
}

/** Like checkOutputPath, for an output directory: it may exist (as a directory) or be creatable. */
export function checkOutputDir(dir: string, flag?: string): void {
  const st = statIfExists(dir);
  if (st && !st.isDirectory()) throw new MwwError('usage', `is a file; ${flag ? `${flag} needs` : 'expected'} a directory`, { where: dir });
  if (st) return;
  for (let cur = path.dirname(path.resolve(dir)); ; cur = path.dirname(cur)) {
    const s = statIfExists(cur);
    if (s) {
      if (!s.isDirectory()) throw new MwwError('usage', `cannot be created${flag ? ` (${flag})` : ''}: ${cur} is a file, not a directory`, { where: dir });
      return;
    }
    if (path.dirname(cur) === cur) return;
  }
}

/**
 * Write a file so that readers see either the old content or the whole new content, never a half-written
 * file: write a temporary sibling, fsync it, then rename over the target (rename is atomic on one file system).
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  if (statIfExists(target)?.isDirectory()) {
    throw new MwwError('io', 'cannot write file: it is a directory; give a file path', { where: target });
  }
  const dir = path.dirname(path.resolve(target));
  await ensureDir(dir);
  const tmp = path.join(dir, `.mww-tmp-${path.basename(target)}-${randomBytes(6).toString('hex')}`);
  trackTemp(tmp);
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
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    const where = (e as NodeJS.ErrnoException).code === 'EACCES' || (e as NodeJS.ErrnoException).code === 'EROFS' ? ` in ${dir}` : '';
    throw new MwwError('io', `cannot write file (${describeFsError(e)}${where})`, { where: target, cause: e });
  } finally {
    untrackTemp(tmp);
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
    if (code === 'ENOTDIR') throw new MwwError('input', `${what} not found (a part of the path is a file, not a directory)`, { where: file });
    if (code === 'EACCES') throw new MwwError('io', `permission denied reading ${what}`, { where: file });
    throw new MwwError('io', `cannot read ${what} (${describeFsError(e)})`, { where: file, cause: e });
  }
  const noun = /\bfile$/.test(what) ? what : `${what} file`;
  if (st.isDirectory()) throw new MwwError('input', `expected ${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}, found a directory`, { where: file });
  // Reading a device (/dev/zero, a terminal) would never end.
  if (st.isCharacterDevice() || st.isBlockDevice()) throw new MwwError('input', `expected ${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}, found a device`, { where: file });
  let data: Buffer;
  try {
    data = await fsp.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES') throw new MwwError('io', `permission denied reading ${what}`, { where: file });
    throw new MwwError('io', `cannot read ${what} (${describeFsError(e)})`, { where: file, cause: e });
  }
  if (data.length === 0 && !opts.allowEmpty) throw new MwwError('input', `${what} is empty (0 bytes)`, { where: file });
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** True when two paths name the same file (same inode when both exist; else the same resolved location). */
export function samePath(a: string, b: string): boolean {
  const sa = statIfExists(a);
  const sb = statIfExists(b);
  if (sa && sb) return sa.dev === sb.dev && sa.ino === sb.ino;
  const resolved = (p: string): string => {
    const abs = path.resolve(p);
    try {
      return path.join(realpathSync.native(path.dirname(abs)), path.basename(abs));
    } catch {
      return abs;
    }
  };
  return resolved(a) === resolved(b);
}
