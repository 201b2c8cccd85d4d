// Helpers for bench scripts: where ../shared is, and the JSON-line format every bench prints.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DIR = path.resolve(process.env.MWW_SHARED_DIR ?? path.join(REPO_ROOT, '..', 'shared'));

/** Print one benchmark result as a JSON line. */
export function report(bench, metric, value, unit, extra = {}) {
  console.log(JSON.stringify({ bench, metric, value, unit, ...extra }));
}
