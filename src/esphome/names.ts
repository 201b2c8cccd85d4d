import { MwwError } from '../errors.js';

/**
 * Turning user-supplied names into the forms each target language accepts. A name like
 * `Küche "Nabu": #1\n` must become a valid ESPHome node name, YAML scalar, C++ identifier, C++ string literal
 * and file name — never by pasting it in raw.
 */

/** ESPHome node names: lowercase letters, digits and '-', and short enough for a hostname with MAC suffix. */
export const ESPHOME_NAME_MAX = 31;

function asciiFold(s: string): string {
  // NFKD splits "ü" into "u" + combining diaeresis; the marks are then dropped.
  return s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
}

function slugParts(s: string): string[] {
  return asciiFold(s)
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((p) => p.length > 0);
}

/** Display name: any Unicode, but one line, no control characters, trimmed. */
export function friendlyName(input: string): string {
  const s = input.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (s.length === 0) throw new MwwError('input', `invalid name ${JSON.stringify(input)}: it is empty once control characters and spaces are removed`);
  if (s.length > 120) throw new MwwError('input', `invalid name: ${s.length} characters, at most 120 allowed`);
  return s;
}

/** ESPHome `esphome: name:` (also the project file name and hostname): [a-z0-9-], ≤ 31 characters. */
export function esphomeName(input: string): string {
  const slug = slugParts(input).join('-');
  if (slug.length === 0) {
    throw new MwwError('input', `invalid name ${JSON.stringify(input)}: it has no letters or digits to build an ESPHome device name from (allowed: a-z, 0-9, -)`);
  }
  if (slug.length > ESPHOME_NAME_MAX) {
    throw new MwwError('input', `invalid name ${JSON.stringify(input)}: the ESPHome device name '${slug}' is ${slug.length} characters, at most ${ESPHOME_NAME_MAX} allowed (give a shorter --name)`);
  }
  return slug;
}

const CPP_KEYWORDS = new Set(
  ('alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t char32_t class compl concept ' +
    'const consteval constexpr constinit const_cast continue co_await co_return co_yield decltype default delete do double ' +
    'dynamic_cast else enum explicit export extern false float for friend goto if inline int long mutable namespace new ' +
    'noexcept not not_eq nullptr operator or or_eq private protected public register reinterpret_cast requires return short ' +
    'signed sizeof static static_assert static_cast struct switch template this thread_local throw true try typedef typeid ' +
    'typename union unsigned using virtual void volatile wchar_t while xor xor_eq ' +
    // names ESPHome's generated main.cpp already uses at namespace scope
    'setup loop app esphome std id main').split(' '),
);

/** A C++ identifier (also a valid ESPHome `id:`): [a-z_][a-z0-9_]*, never a keyword or reserved name. */
export function cppIdentifier(input: string, fallbackPrefix = 'ww'): string {
  let id = slugParts(input).join('_');
  if (id.length === 0) throw new MwwError('input', `invalid name ${JSON.stringify(input)}: no letters or digits to build an identifier from`);
  if (/^[0-9]/.test(id)) id = `${fallbackPrefix}_${id}`;
  if (CPP_KEYWORDS.has(id)) id = `${id}_${fallbackPrefix}`;
  return id.slice(0, 48).replace(/_+$/, '');
}

/**
 * A C++ string literal with the same bytes as `s` in UTF-8. Non-ASCII bytes and controls become 3-digit octal
 * escapes (unambiguous, unlike \x which swallows following hex digits); `?` is escaped to rule out trigraphs.
 */
export function cppStringLiteral(s: string): string {
  let out = '"';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (c === '"' || c === '\\' || c === '?') out += '\\' + c;
    else if (byte >= 0x20 && byte < 0x7f) out += c;
    else out += '\\' + byte.toString(8).padStart(3, '0');
  }
  return out + '"';
}

/**
 * A YAML double-quoted scalar holding exactly `s`. JSON string syntax is a subset of YAML's double-quoted style;
 * U+2028/U+2029 are escaped too so the line structure survives any editor.
 */
export function yamlString(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * JSON that is pure ASCII (non-ASCII as \uXXXX, per docs/device-log.md) and contains no `$`, which ESPHome's
 * substitution pass would otherwise try to expand inside the YAML string that carries it.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\u0020-\u007e]|\$/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** Secret names (`!secret NAME`): a YAML key in secrets.yaml. */
export function checkSecretName(s: string, field: string): string {
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(s)) throw new MwwError('input', `secret name '${s}' is not valid (lowercase letters, digits, _; starting with a letter)`, { where: field });
  return s;
}
