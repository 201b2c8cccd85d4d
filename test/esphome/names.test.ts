import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { asciiJson, cppIdentifier, cppStringLiteral, esphomeName, friendlyName, yamlString } from '../../src/esphome/names.js';
import { gxxRun } from './helpers.js';

const NASTY = [
  'Küche "Nabu": #1',
  "it's a: test # not a comment",
  'line1\nline2\r\n\ttab',
  '$(rm -rf /); `id` && echo ${HOME} | cat > x',
  'trigraph ??= and back\\slash and */ /* and "quotes"',
  'Ωμέγα 語 🎤 café',
  '- [list] {map} & *alias !tag % @ `',
];

describe('escaping user-supplied names', () => {
  it('YAML scalars re-parse to exactly the input', () => {
    for (const s of NASTY) expect(parse(`key: ${yamlString(s)}\n`)).toEqual({ key: s });
  });

  it('ESPHome node names are [a-z0-9-], at most 31 characters', () => {
    expect(esphomeName('Küche "Nabu": #1')).toBe('kuche-nabu-1');
    expect(esphomeName('  Living Room\nSpeaker ')).toBe('living-room-speaker');
    for (const s of NASTY.filter((n) => /[a-z0-9]/i.test(n.normalize('NFKD')) && n.length <= 31)) expect(esphomeName(s)).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(() => esphomeName('🎤🎤')).toThrow(/invalid name "🎤🎤": it has no letters or digits/);
    expect(() => esphomeName('a'.repeat(40))).toThrow(/40 characters, at most 31/);
    expect(() => friendlyName(' \n\t ')).toThrow(/empty once control characters/);
    expect(friendlyName('a\nb\u2028c')).toBe('a b c');
  });

  it('C++ identifiers and string literals compile with g++ and keep the exact bytes', () => {
    const ids = NASTY.filter((n) => /[a-z0-9]/i.test(n.normalize('NFKD'))).map((s) => cppIdentifier(s));
    ids.push(cppIdentifier('class'), cppIdentifier('2 words'), cppIdentifier('setup'));
    expect(ids.slice(-3)).toEqual(['class_ww', 'ww_2_words', 'setup_ww']);
    const decls = ids.map((id, i) => `static int ${id}_${i} = ${i};`).join('\n');
    const uses = ids.map((id, i) => `${id}_${i}`).join(' + ');
    const lits = NASTY.map((s) => `  put(${cppStringLiteral(s)});`).join('\n');
    const program = `#include <cstdio>\n#include <cstring>\n${decls}\nstatic void put(const char *s) { fwrite(s, 1, strlen(s), stdout); fputc(0, stdout); }\nint main() {\n${lits}\n  return (${uses}) < 0;\n}\n`;
    const out = gxxRun(program);
    const got = out.toString('utf8').split('\0').slice(0, -1);
    expect(got).toEqual(NASTY);
  });

  it('identity JSON is one ASCII line without $ and decodes to the input', () => {
    const obj = { wakeWord: 'Küche $HOME "x"\n🎤' };
    const j = asciiJson(obj);
    expect(j).toMatch(/^[\x20-\x7e]+$/);
    expect(j).not.toContain('$');
    expect(JSON.parse(j)).toEqual(obj);
  });
});
