#!/usr/bin/env node
// `npm run bench`: runs every scripts/bench/*.js in turn; each prints one JSON object per line
// ({"bench": name, "metric": ..., "value": ..., "unit": ...}). Needs the compiled code in dist/ (`npm run build`).
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bench');
const only = process.argv.slice(2);
let failed = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith(".js") && !f.startsWith("_")).sort()) {
  if (only.length && !only.some((o) => file.includes(o))) continue;
  const r = spawnSync(process.execPath, [path.join(dir, file)], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    failed++;
    console.log(JSON.stringify({ bench: file.replace(/\.js$/, ''), error: `exit ${r.status}` }));
  }
}
process.exitCode = failed ? 1 : 0;
