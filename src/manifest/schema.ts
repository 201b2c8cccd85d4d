import path from 'node:path';
import { MwwError } from '../errors.js';

/**
 * The model manifest ESPHome's micro_wake_word reads (`MANIFEST_SCHEMA_V2` in
 * esphome/components/micro_wake_word/__init__.py, see docs/esphome-contract.md "Model manifest").
 * Pure validation: every problem names the field, what was expected and what was found.
 */
export interface ManifestMicro {
  probability_cutoff: number;
  sliding_window_size: number;
  feature_step_size: number;
  tensor_arena_size: number;
  minimum_esphome_version: string;
}

export interface ManifestV2 {
  type: 'micro';
  wake_word: string;
  author: string;
  website?: string;
  /** The .tflite file, relative to the manifest's directory. */
  model: string;
  trained_languages: string[];
  version: 2;
  micro: ManifestMicro;
}

/** What ESPHome's V1 → V2 conversion fills in (`_convert_manifest_v1_to_v2`). */
export const V1_UPGRADE = { tensor_arena_size: 45672, feature_step_size: 20, trained_languages: ['en'] } as const;
/** The first ESPHome release that reads V2 manifests; the default for new manifests. */
export const DEFAULT_MINIMUM_ESPHOME_VERSION = '2024.7.0';

export interface ValidatedManifest {
  manifest: ManifestV2;
  /** The version found in the file (1 is upgraded to 2 as ESPHome does). */
  sourceVersion: 1 | 2;
  /** Things the user should know that are not errors (V1 upgrade, a single language given as a string). */
  notes: string[];
}

const V2_KEYS = ['type', 'wake_word', 'author', 'website', 'model', 'trained_languages', 'version', 'micro'];
const V2_MICRO_KEYS = ['probability_cutoff', 'sliding_window_size', 'feature_step_size', 'tensor_arena_size', 'minimum_esphome_version'];
const V1_KEYS = ['type', 'wake_word', 'author', 'website', 'model', 'version', 'micro'];
const V1_MICRO_KEYS = ['probability_cutoff', 'sliding_window_average_size', 'minimum_esphome_version'];

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list (${JSON.stringify(v).slice(0, 60)})`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v)}`;
  return `${typeof v} ${String(v)}`;
}

class Problems {
  readonly list: string[] = [];
  add(field: string, expected: string, found: unknown): void {
    this.list.push(found === undefined ? `${field}: missing (expected ${expected})` : `${field}: expected ${expected}, found ${describe(found)}`);
  }
  raw(msg: string): void {
    this.list.push(msg);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(p: Problems, obj: Record<string, unknown>, key: string, field = key): string | undefined {
  const v = obj[key];
  if (typeof v !== 'string' || v.trim() === '') {
    p.add(field, 'a non-empty string', v);
    return undefined;
  }
  return v;
}

function int(p: Problems, obj: Record<string, unknown>, key: string, field: string, min: number, max: number, expected: string): number | undefined {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    p.add(field, expected, v);
    return undefined;
  }
  return v;
}

function cutoff(p: Problems, obj: Record<string, unknown>, field: string): number | undefined {
  const v = obj.probability_cutoff;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    p.add(field, 'a number from 0.0 to 1.0', v);
    return undefined;
  }
  return v;
}

function extraKeys(p: Problems, obj: Record<string, unknown>, allowed: string[], prefix: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) p.raw(`${prefix}${k}: unknown field (ESPHome's schema refuses extra keys; allowed: ${allowed.join(', ')})`);
  }
}

/** The `micro` section: it must be an object, with no keys beyond `allowed`. */
function microSection(p: Problems, j: Record<string, unknown>, allowed: string[], expected: string): Record<string, unknown> | undefined {
  const m = j.micro;
  if (!isRecord(m)) {
    p.add('micro', expected, m);
    return undefined;
  }
  extraKeys(p, m, allowed, 'micro.');
  return m;
}

function esphomeVersion(p: Problems, m: Record<string, unknown>, expected: string): string | undefined {
  const v = m.minimum_esphome_version;
  if (typeof v !== 'string' || !/^\d+\.\d+\.\d+$/.test(v)) {
    p.add('micro.minimum_esphome_version', expected, v);
    return undefined;
  }
  return v;
}

/** A URL as ESPHome's cv.url accepts it: a scheme and a host. */
export function isUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== '';
  } catch {
    return false;
  }
}

/**
 * Why a manifest's `model` value is unsafe or unusable, or undefined when it is fine: it must be a path
 * relative to the manifest that stays inside the manifest's directory.
 */
export function modelPathProblem(model: string): string | undefined {
  if (model.includes('\0')) return 'contains a NUL character';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(model)) return 'is a URL; a manifest names a file beside it';
  if (path.posix.isAbsolute(model) || path.win32.isAbsolute(model) || /^[a-z]:/i.test(model)) {
    return 'is an absolute path; it must be a file name relative to the manifest';
  }
  if (model.includes('\\')) return 'contains a backslash; use a plain file name relative to the manifest';
  if (model.split('/').some((seg) => seg === '..')) return "contains '..' (path traversal); the model must sit beside the manifest or below it";
  if (model.endsWith('/') || path.posix.basename(model) === '.') return 'names a directory, not a file';
  return undefined;
}

function common(p: Problems, j: Record<string, unknown>): { wake_word?: string; author?: string; model?: string; website?: string } {
  if (j.type !== 'micro') p.add('type', 'the string "micro"', j.type);
  const wake_word = str(p, j, 'wake_word');
  const author = str(p, j, 'author');
  const model = str(p, j, 'model');
  if (model !== undefined) {
    const why = modelPathProblem(model);
    if (why) p.raw(`model: ${JSON.stringify(model)} ${why}`);
  }
  let website: string | undefined;
  if (j.website !== undefined) {
    if (typeof j.website !== 'string' || !isUrl(j.website)) p.add('website', 'an http(s) URL such as "https://example.com/"', j.website);
    else website = j.website;
  }
  return { wake_word, author, model, website };
}

function validateV2(p: Problems, j: Record<string, unknown>, notes: string[]): ManifestV2 | undefined {
  extraKeys(p, j, V2_KEYS, '');
  const c = common(p, j);
  let languages: string[] | undefined;
  const tl = j.trained_languages;
  if (typeof tl === 'string' && tl.trim() !== '') {
    languages = [tl];
    notes.push(`trained_languages is a single string; treated as the list ["${tl}"] as ESPHome does`);
  } else if (Array.isArray(tl) && tl.every((x) => typeof x === 'string' && x.trim() !== '')) {
    languages = tl as string[];
  } else {
    p.add('trained_languages', 'a list of language codes such as ["en"]', tl);
  }
  const m = microSection(p, j, V2_MICRO_KEYS, `an object with ${V2_MICRO_KEYS.join(', ')}`);
  if (!m) return undefined;
  const probability_cutoff = cutoff(p, m, 'micro.probability_cutoff');
  const sliding_window_size = int(p, m, 'sliding_window_size', 'micro.sliding_window_size', 1, 1000, 'a positive integer (normally 5)');
  const feature_step_size = int(p, m, 'feature_step_size', 'micro.feature_step_size', 0, 30, 'an integer from 0 to 30 (normally 10)');
  const tensor_arena_size = int(p, m, 'tensor_arena_size', 'micro.tensor_arena_size', 1, 0x7fffffff, 'a positive integer number of bytes');
  const minimum_esphome_version = esphomeVersion(p, m, 'a version "YYYY.M.P" such as "2024.7.0"');
  if (p.list.length) return undefined;
  const manifest: ManifestV2 = {
    type: 'micro',
    wake_word: c.wake_word!,
    author: c.author!,
    ...(c.website !== undefined ? { website: c.website } : {}),
    model: c.model!,
    trained_languages: languages!,
    version: 2,
    micro: {
      probability_cutoff: probability_cutoff!,
      sliding_window_size: sliding_window_size!,
      feature_step_size: feature_step_size!,
      tensor_arena_size: tensor_arena_size!,
      minimum_esphome_version: minimum_esphome_version!,
    },
  };
  return manifest;
}

function validateV1(p: Problems, j: Record<string, unknown>, notes: string[]): ManifestV2 | undefined {
  extraKeys(p, j, V1_KEYS, '');
  const c = common(p, j);
  if (j.website === undefined) p.add('website', 'an http(s) URL (required in version 1 manifests)', undefined);
  const m = microSection(p, j, V1_MICRO_KEYS, 'an object with probability_cutoff and sliding_window_average_size');
  if (!m) return undefined;
  const probability_cutoff = cutoff(p, m, 'micro.probability_cutoff');
  const window = int(p, m, 'sliding_window_average_size', 'micro.sliding_window_average_size', 1, 1000, 'a positive integer');
  // Optional in V1: ESPHome's upgrade keeps it when present.
  const mv = m.minimum_esphome_version === undefined ? undefined : esphomeVersion(p, m, 'a version "YYYY.M.P"');
  if (p.list.length) return undefined;
  notes.push(
    `version 1 manifest: upgraded as ESPHome does (sliding_window_size = sliding_window_average_size ${window}, ` +
      `tensor_arena_size ${V1_UPGRADE.tensor_arena_size}, feature_step_size ${V1_UPGRADE.feature_step_size} ms, trained_languages ["en"])`,
  );
  return {
    type: 'micro',
    wake_word: c.wake_word!,
    author: c.author!,
    website: c.website!,
    model: c.model!,
    trained_languages: [...V1_UPGRADE.trained_languages],
    version: 2,
    micro: {
      probability_cutoff: probability_cutoff!,
      sliding_window_size: window!,
      feature_step_size: V1_UPGRADE.feature_step_size,
      tensor_arena_size: V1_UPGRADE.tensor_arena_size,
      minimum_esphome_version: mv ?? DEFAULT_MINIMUM_ESPHOME_VERSION,
    },
  };
}

/** Validate a parsed manifest (V2, or V1 upgraded to V2) and report notes; throws MwwError listing every problem. */
export function validateManifestDetailed(json: unknown, where: string): ValidatedManifest {
  if (!isRecord(json)) throw new MwwError('input', `a manifest must be a JSON object, found ${describe(json)}`, { where });
  const p = new Problems();
  const notes: string[] = [];
  let manifest: ManifestV2 | undefined;
  let sourceVersion: 1 | 2 = 2;
  if (json.version === 2) manifest = validateV2(p, json, notes);
  else if (json.version === 1) {
    sourceVersion = 1;
    manifest = validateV1(p, json, notes);
  } else if (json.version === undefined) p.add('version', 'the number 2 (or 1 for old manifests)', undefined);
  else p.add('version', 'the number 2 (or 1 for old manifests); ESPHome accepts no other', json.version);
  if (p.list.length || !manifest) {
    throw new MwwError('input', `invalid wake word manifest (${p.list.length} problem${p.list.length === 1 ? '' : 's'}):\n  - ${p.list.join('\n  - ')}`, {
      where,
      details: { problems: p.list },
    });
  }
  return { manifest, sourceVersion, notes };
}

export function validateManifest(json: unknown, where: string): ManifestV2 {
  return validateManifestDetailed(json, where).manifest;
}

/** Serialized as ESPHome's own manifests are laid out (field order of esphome/micro-wake-word-models). */
export function manifestToJson(m: ManifestV2): string {
  const ordered = {
    type: m.type,
    wake_word: m.wake_word,
    author: m.author,
    ...(m.website !== undefined ? { website: m.website } : {}),
    model: m.model,
    trained_languages: m.trained_languages,
    version: m.version,
    micro: {
      probability_cutoff: m.micro.probability_cutoff,
      sliding_window_size: m.micro.sliding_window_size,
      feature_step_size: m.micro.feature_step_size,
      tensor_arena_size: m.micro.tensor_arena_size,
      minimum_esphome_version: m.micro.minimum_esphome_version,
    },
  };
  return JSON.stringify(ordered, null, 2) + '\n';
}

export interface BuildManifestOptions {
  /** The model's path relative to the manifest (normally its bare file name). */
  model: string;
  wakeWord: string;
  author: string;
  website?: string;
  languages?: string[];
  cutoff: number;
  window: number;
  tensorArenaSize: number;
  featureStepSize?: number;
  minimumEsphomeVersion?: string;
}

/** A validated V2 manifest from command-line values (errors name the manifest field the value lands in). */
/**
 * The label a synthetically calibrated model carries in its V2 manifest. The manifest has no notes field and
 * ESPHome rejects unknown keys, so it goes into `author`: a free string ESPHome accepts and that travels with
 * the model wherever the manifest goes.
 */
export const SYNTHETIC_AUTHOR_LABEL = ' (synthetic calibration: not for deployment)';

/** The manifest author for a model, labelled when its calibration was synthetic. */
export function manifestAuthor(author: string, synthetic: boolean): string {
  return synthetic && !author.endsWith(SYNTHETIC_AUTHOR_LABEL) ? author + SYNTHETIC_AUTHOR_LABEL : author;
}

export function buildManifest(o: BuildManifestOptions): ManifestV2 {
  const json = {
    type: 'micro',
    wake_word: o.wakeWord,
    author: o.author,
    ...(o.website !== undefined ? { website: o.website } : {}),
    model: o.model,
    trained_languages: o.languages ?? ['en'],
    version: 2,
    micro: {
      probability_cutoff: o.cutoff,
      sliding_window_size: o.window,
      feature_step_size: o.featureStepSize ?? 10,
      tensor_arena_size: o.tensorArenaSize,
      minimum_esphome_version: o.minimumEsphomeVersion ?? DEFAULT_MINIMUM_ESPHOME_VERSION,
    },
  };
  return validateManifest(json, 'new manifest');
}
