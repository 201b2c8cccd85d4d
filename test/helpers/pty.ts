import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { inCi } from './shared.js';

/**
 * A real pseudo-terminal pair made by socat, for tests that drive `mww sim --device` and a host command through
 * the OS serial layer. Without socat the tests skip with a message, except under CI=true, where .ci/run installs
 * socat and its absence is a failure.
 */
export const hasSocat = spawnSync('socat', ['-V']).status === 0;

/** Whether pty tests should run here; warns once (naming the suite) when they are skipped. */
export function ptyTestsEnabled(suite: string): boolean {
  if (!hasSocat && !inCi()) console.warn(`SKIPPED ${suite}: socat is not installed (apt-get install socat)`);
  return hasSocat || inCi();
}

export interface PtyPair {
  /** Temporary directory holding the two links (and anything the test writes). */
  dir: string;
  /** The end the virtual board opens. */
  board: string;
  /** The end the host command opens. */
  host: string;
}

/** Registers beforeAll/afterAll hooks that start socat with two linked ptys and stop it afterwards. */
export function usePtyPair(prefix: string): PtyPair {
  const pair: PtyPair = { dir: '', board: '', host: '' };
  let socat: ChildProcess | undefined;
  beforeAll(async () => {
    if (!hasSocat) throw new Error('socat is required under CI=true (.ci/run installs it)');
    pair.dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    pair.board = path.join(pair.dir, 'board');
    pair.host = path.join(pair.dir, 'host');
    socat = spawn('socat', [`pty,raw,echo=0,link=${pair.board}`, `pty,raw,echo=0,link=${pair.host}`], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(existsSync(pair.board) && existsSync(pair.host)); i++) await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(() => {
    socat?.kill();
    if (pair.dir) rmSync(pair.dir, { recursive: true, force: true });
  });
  return pair;
}
