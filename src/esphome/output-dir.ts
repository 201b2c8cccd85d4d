import { promises as fsp, existsSync, statSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { MwwError } from '../errors.js';
import { describeFsError, ensureDir, trackTemp, untrackTemp, writeFileAtomic } from '../util/fs.js';

/**
 * Writes a generated project directory as one unit: everything is built in a temporary sibling directory,
 * then swapped in with renames, so a failed build leaves the previous output as it was. Files the user owns
 * (secrets.yaml, ESPHome's .esphome/ build cache, anything not generated) are carried over untouched.
 */
export interface ProjectWrite {
  /** Relative path (with '/') → content. */
  files: Record<string, string | Uint8Array>;
  /** Relative paths written only when absent (never overwritten): secrets.yaml. */
  createOnly: string[];
  /** Relative paths (files or directories) owned by mww: replaced wholesale on every build. */
  managed: string[];
}

export interface WriteResult {
  changed: boolean;
  /** createOnly files that already existed and were kept. */
  kept: string[];
}

function sameBytes(file: string, data: string | Uint8Array): boolean {
  try {
    const cur = readFileSync(file);
    const want = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return cur.equals(want);
  } catch {
    return false;
  }
}

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const st = statSync(dir);
  if (!st.isDirectory()) return [rel];
  const out: string[] = [];
  for (const e of (await fsp.readdir(dir)).sort()) out.push(...(await listFiles(path.join(dir, e), rel ? `${rel}/${e}` : e)));
  return out;
}

/** True when `out` already holds exactly this project (so a re-run touches nothing). */
async function upToDate(out: string, w: ProjectWrite): Promise<boolean> {
  if (!existsSync(out)) return false;
  for (const [rel, data] of Object.entries(w.files)) {
    const file = path.join(out, rel);
    if (w.createOnly.includes(rel)) {
      if (!existsSync(file)) return false;
      continue;
    }
    if (!sameBytes(file, data)) return false;
  }
  // No stale files (e.g. a model no longer used) under the managed paths.
  for (const m of w.managed) {
    for (const f of await listFiles(path.join(out, m), m)) if (!(f in w.files)) return false;
  }
  return true;
}

/** Move everything in `from` that mww does not manage into `to` (recursing into dirs that contain managed paths). */
async function carryOver(from: string, to: string, managed: string[], rel = ''): Promise<void> {
  for (const e of await fsp.readdir(from)) {
    const r = rel ? `${rel}/${e}` : e;
    if (managed.includes(r)) continue;
    const src = path.join(from, e);
    const dst = path.join(to, e);
    if (managed.some((m) => m.startsWith(r + '/')) && statSync(src).isDirectory()) {
      await fsp.mkdir(dst, { recursive: true });
      await carryOver(src, dst, managed, r);
      continue;
    }
    if (existsSync(dst)) continue; // createOnly file freshly written: the user's copy below wins
    await fsp.rename(src, dst);
  }
}

export async function writeProjectDir(out: string, w: ProjectWrite, hooks: { beforeSwap?: () => Promise<void> | void } = {}): Promise<WriteResult> {
  out = path.resolve(out);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new MwwError('io', 'output path exists and is not a directory', { where: out });
  const kept = w.createOnly.filter((rel) => existsSync(path.join(out, rel)));
  if (await upToDate(out, w)) return { changed: false, kept };

  const parent = path.dirname(out);
  await ensureDir(parent);
  const tag = randomBytes(6).toString('hex');
  const tmp = path.join(parent, `.${path.basename(out)}.mww-tmp-${tag}`);
  const backup = path.join(parent, `.${path.basename(out)}.mww-old-${tag}`);
  try {
    await fsp.mkdir(tmp);
  } catch (e) {
    // ENOENT although the parent exists: a file system that refuses new entries (/proc, /sys).
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file system does not allow creating it' : describeFsError(e);
    throw new MwwError('io', `cannot create the project directory in ${parent} (${why})`, { where: out, cause: e });
  }
  trackTemp(tmp);
  try {
    for (const [rel, data] of Object.entries(w.files)) {
      if (kept.includes(rel)) continue;
      await writeFileAtomic(path.join(tmp, ...rel.split('/')), data);
    }
    await hooks.beforeSwap?.();
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    untrackTemp(tmp);
    throw e;
  }
  // Swap: old → backup, carry the user's files into the new tree, new → out. On failure put the old back.
  const hadOld = existsSync(out);
  try {
    if (hadOld) {
      await fsp.rename(out, backup);
      await carryOver(backup, tmp, w.managed);
    }
    await fsp.rename(tmp, out);
  } catch (e) {
    if (hadOld && !existsSync(out) && existsSync(backup)) {
      // Return carried-over files first so the previous output is whole again.
      await carryOver(tmp, backup, w.managed).catch(() => undefined);
      await fsp.rename(backup, out).catch(() => undefined);
    }
    await fsp.rm(tmp, { recursive: true, force: true });
    untrackTemp(tmp);
    throw new MwwError('io', `could not replace the project directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); previous output left in place`, { where: out, cause: e });
  }
  untrackTemp(tmp);
  if (hadOld) await fsp.rm(backup, { recursive: true, force: true });
  return { changed: true, kept };
}
