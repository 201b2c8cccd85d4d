import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, type Tags } from 'yaml';
import { REPO_ROOT } from '../helpers/shared.js';

/** ESPHome's YAML tags, so generated configs parse with the `yaml` package as ESPHome would read them. */
export const ESPHOME_TAGS: Tags = [
  { tag: '!secret', resolve: (s: string) => ({ secret: s }) },
  { tag: '!lambda', resolve: (s: string) => ({ lambda: s }) },
  { tag: '!include', resolve: (s: string) => ({ include: s }) },
];

export function parseEsphomeYaml(text: string): Record<string, any> {
  return parse(text, { customTags: ESPHOME_TAGS, uniqueKeys: true, strict: true }) as Record<string, any>;
}

export const FAKES = path.join(REPO_ROOT, 'test', 'esphome', 'fakes');

/** g++ -fsyntax-only; throws with the compiler output on failure. */
export function gxxSyntax(files: string[], includes: string[]): void {
  execFileSync('g++', ['-std=gnu++17', '-fsyntax-only', '-Wall', '-Wextra', '-Werror', ...includes.flatMap((i) => ['-I', i]), ...files], { stdio: 'pipe' });
}

/** Compile and run a small C++ program; returns its stdout. */
export function gxxRun(source: string): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mww-gxx-'));
  const src = path.join(dir, 'main.cpp');
  writeFileSync(src, source);
  const exe = path.join(dir, 'a.out');
  execFileSync('g++', ['-std=gnu++17', '-Wall', '-Werror', '-o', exe, src], { stdio: 'pipe' });
  return execFileSync(exe);
}
