import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Chip } from '../../src/micro/arena/index.js';
import { chipById } from '../../src/serial/chips/index.js';
import { sha256Hex } from '../../src/util/hash.js';
import { buildFactoryImage, buildTestApp, type Identity } from '../../src/serial/images/index.js';

export interface FixtureModel {
  id: string;
  wakeWord: string;
  bytes: Uint8Array;
  arena: number;
}

export function identityFor(chip: Chip, models: FixtureModel[]): Identity {
  return {
    v: 1,
    mww: '0.1.0',
    chip,
    esphome: '2025.11.0',
    models: models.map((m) => ({ id: m.id, wakeWord: m.wakeWord, sha256: sha256Hex(m.bytes), arena: m.arena })),
  };
}

/** A TEST app + factory image for `chip` carrying the identity and models, like an mww build embeds them. */
export function images(chip: Chip, models: FixtureModel[], codeSize = 2048) {
  const spec = chipById(chip);
  const app = buildTestApp({ chip: spec, identity: identityFor(chip, models), models: models.map((m) => m.bytes), codeSize });
  return { app, factory: buildFactoryImage(spec, app) };
}

/** A directory shaped like `mww build` output: ESPHome's .esphome/build/<name>/.pioenvs/<name>/ and models/. */
export function makeBuildDir(chip: Chip, models: FixtureModel[], opts: { factory?: boolean; yaml?: string } = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mww-flash-'));
  const env = path.join(dir, '.esphome', 'build', 'kitchen', '.pioenvs', 'kitchen');
  mkdirSync(env, { recursive: true });
  const { app, factory } = images(chip, models);
  if (opts.factory !== false) writeFileSync(path.join(env, 'firmware.factory.bin'), factory);
  writeFileSync(path.join(env, 'firmware.bin'), app);
  mkdirSync(path.join(dir, 'models'));
  for (const m of models) writeFileSync(path.join(dir, 'models', `${m.id}.tflite`), m.bytes);
  writeFileSync(path.join(dir, 'kitchen.yaml'), opts.yaml ?? 'esphome:\n  name: kitchen\n');
  return dir;
}

export const isErased = (b: Uint8Array) => b.every((x) => x === 0xff);
