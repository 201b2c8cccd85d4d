import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { REPO_ROOT, describeShared, sharedPath } from '../helpers/shared.js';

/**
 * `mww eval --jobs 2` scores files in worker threads. Workers load the compiled code, so this drives the real
 * binary (bin/mww.js → dist/, built by `npm test`'s pretest step) and demands the same answer as one thread.
 */
const BIN = path.join(REPO_ROOT, 'bin', 'mww.js');

function evalJson(args: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, [BIN, 'eval', ...args, '--json'], { env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
  return JSON.parse(out.toString('utf8')) as Record<string, unknown>;
}

describeShared('mww eval on worker threads', () => {
  it('gives exactly the single-thread result with --jobs 2', () => {
    expect(existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'main.js')), 'dist/ is missing: run `npm run build` (npm test does it first)').toBe(true);
    const root = mkdtempSync(path.join(tmpdir(), 'mww-eval-jobs-'));
    const pos = path.join(root, 'positives');
    const neg = path.join(root, 'negatives');
    mkdirSync(pos);
    mkdirSync(neg);
    for (const n of ['okay_nabu', 'hey_jarvis']) copyFileSync(sharedPath('golden', 'audio', `${n}.wav`), path.join(pos, `${n}.wav`));
    for (const n of ['negative', 'silence']) copyFileSync(sharedPath('golden', 'audio', `${n}.wav`), path.join(neg, `${n}.wav`));
    const common = ['--model', sharedPath('models', 'okay_nabu.json'), '--positives', pos, '--negatives', neg];
    const one = evalJson([...common, '--jobs', '1']);
    const two = evalJson([...common, '--jobs', '2']);
    expect(two).toEqual(one);
    // okay_nabu fires on its own recording only: one of the two positives is a false rejection at the manifest cutoff.
    expect(one.atCurrentCutoff).toMatchObject({ cutoff: 0.97, falseRejectionRate: 0.5, falseAcceptsPerHour: 0 });
  });
});
