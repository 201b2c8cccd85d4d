#!/usr/bin/env node
// Entry point: the TypeScript sources are compiled to dist/ by `npm run build` (run automatically by `npm ci`).
import { main } from '../dist/cli/main.js';
import { installInterruptCleanup } from '../dist/util/fs.js';

// Ctrl-C during a write must not leave `.mww-tmp-*` files behind.
installInterruptCleanup();

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`error: ${e?.message ?? e}\n`);
    process.exitCode = 70;
  },
);
