import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/**
 * Reference models and golden data live in ../shared (beside the repository), never in it.
 * Tests that need them use `describeShared`: outside CI a missing ../shared skips them with a clear message;
 * under CI=true it fails, so a CI run can never pass by silently skipping the golden comparisons.
 */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DIR = path.resolve(process.env.MWW_SHARED_DIR ?? path.join(REPO_ROOT, '..', 'shared'));

export function sharedPath(...parts: string[]): string {
  return path.join(SHARED_DIR, ...parts);
}

export function sharedAvailable(...parts: string[]): boolean {
  return existsSync(sharedPath(...parts));
}

/** Under CI=true a missing fixture or tool is a failure, never a skip. */
export const inCi = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

/** describe() that needs ../shared (optionally specific files below it). */
export function describeShared(name: string, fn: () => void, needs: string[] = ['golden', 'models']): void {
  const missing = needs.filter((p) => !sharedAvailable(p));
  if (missing.length === 0) {
    describe(name, fn);
    return;
  }
  const msg = `${name}: needs the shared fixtures ${missing.map((m) => sharedPath(m)).join(', ')} (set MWW_SHARED_DIR or place shared/ beside the repository)`;
  if (inCi()) {
    describe(name, () => {
      it('has its shared fixtures', () => {
        throw new Error(`${msg}; CI=true, so missing fixtures are a failure, not a skip`);
      });
    });
  } else {
    // Not describe.skip(name, fn): vitest still runs fn to collect its tests, and fn reads the fixtures.
    console.warn(`SKIPPED ${msg}`);
    describe(name, () => {
      it.skip(`SKIPPED: ${msg}`, () => {});
    });
  }
}
