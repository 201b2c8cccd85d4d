/**
 * The CLI on bad input: every case must exit ≠ 0 with a specific message (which file, which flag, what was
 * expected), never a stack trace, keep stdout one valid JSON document under --json, and leave no temporary
 * files behind. Table-driven: one row per mistake a user can make.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { COMMANDS } from '../../src/cli/registry.js';
import { MwwError } from '../../src/errors.js';
import { installInterruptCleanup, trackTemp, writeFileAtomic } from '../../src/util/fs.js';

const STACK_LINE = /^\s{4}at /m;

let dir: string;
const p = (...parts: string[]): string => path.join(dir, ...parts);

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mww-robust-'));
  writeFileSync(p('empty.bin'), '');
  writeFileSync(p('garbage.bin'), Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) & 0xff));
  // Not a real model or recording: every case below fails before the content matters, or on the header.
  const wav = Buffer.alloc(64);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(56, 4);
  wav.write('WAVE', 8);
  writeFileSync(p('rec.wav'), wav);
  writeFileSync(p('model.tflite'), Uint8Array.from({ length: 64 }, (_, i) => i));
  writeFileSync(p('feat.i8'), new Uint8Array(120));
  writeFileSync(p('regular'), 'a file, not a directory\n');
  writeFileSync(p('fw.bin'), new Uint8Array(256));
  mkdirSync(p('adir'));
  mkdirSync(p('out.json'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Case {
  name: string;
  args: () => string[];
  code: number;
  message: RegExp;
}

const CASES: Case[] = [
  // Command words and flags
  { name: 'unknown command', args: () => ['nosuch'], code: 2, message: /unknown command 'nosuch'/ },
  { name: 'mistyped command', args: () => ['inpsect'], code: 2, message: /Did you mean inspect\?/ },
  { name: 'a command name that is an Object property', args: () => ['constructor'], code: 2, message: /unknown command 'constructor'/ },
  { name: 'option before the command', args: () => ['--bogus'], code: 2, message: /unknown option '--bogus': options go after the command/ },
  { name: 'missing model', args: () => ['inspect'], code: 2, message: /missing MODEL\.tflite/ },
  { name: 'unknown flag', args: () => ['inspect', p('model.tflite'), '--bogus'], code: 2, message: /unknown option '--bogus' for mww inspect/ },
  { name: 'mistyped flag', args: () => ['inspect', p('model.tflite'), '--arnea', '1'], code: 2, message: /unknown option '--arnea' for mww inspect \(did you mean --arena\?\)/ },
  { name: 'flag without its value', args: () => ['inspect', p('model.tflite'), '--target'], code: 2, message: /--target needs a value/ },
  { name: '--arena abc', args: () => ['inspect', p('model.tflite'), '--arena', 'abc'], code: 2, message: /--arena must be a whole number of bytes > 0, got "abc"/ },
  { name: '--arena -5 (negative value, not "ambiguous")', args: () => ['inspect', p('model.tflite'), '--arena', '-5'], code: 2, message: /--arena must be a whole number of bytes > 0, got "-5"/ },
  { name: 'extra positional (boards)', args: () => ['boards', 'extra'], code: 2, message: /unexpected argument "extra"/ },
  { name: 'extra positional (init)', args: () => ['init', 'extra', '--file', p('never.yaml')], code: 2, message: /unexpected argument "extra"/ },
  { name: 'extra positional (sim)', args: () => ['sim', 'extra', '--chip', 'esp32', '--device', p('no-port')], code: 2, message: /unexpected argument "extra"/ },
  { name: '--window 0', args: () => ['test', '--model', p('model.tflite'), p('rec.wav'), '--window', '0'], code: 2, message: /--window must be an integer ≥ 1, got "0"/ },
  { name: '--cutoff 1.5', args: () => ['test', '--model', p('model.tflite'), p('rec.wav'), '--cutoff', '1.5'], code: 2, message: /--cutoff must be a number from 0 to 1, got "1\.5"/ },
  { name: '--jobs -2', args: () => ['eval', '--model', p('model.tflite'), '--positives', p('adir'), '--negatives', p('adir'), '--jobs', '-2'], code: 2, message: /--jobs must be an integer ≥ 1, got "-2"/ },
  { name: '--offset zz', args: () => ['flash', p('no-port'), p('fw.bin'), '--offset', 'zz'], code: 2, message: /--offset zz: expected a number such as 0x10000/ },
  { name: '--offset beyond 32 bits', args: () => ['flash', p('no-port'), p('fw.bin'), '--offset', '0x1ffffffff'], code: 2, message: /--offset 0x1ffffffff: beyond the 32-bit flash address range/ },
  { name: 'flash --baud abc', args: () => ['flash', p('no-port'), p('fw.bin'), '--baud', 'abc'], code: 2, message: /--baud must be a baud rate such as 115200 or 921600.*, got "abc"/ },
  { name: 'flash --timeout -3', args: () => ['flash', p('no-port'), p('fw.bin'), '--timeout', '-3'], code: 2, message: /--timeout must be a number of seconds > 0, got "-3"/ },
  { name: 'monitor --timeout 0', args: () => ['monitor', p('no-port'), '--timeout', '0'], code: 2, message: /--timeout must be a number of seconds > 0, got "0"/ },
  { name: 'sim --timeout abc', args: () => ['sim', '--chip', 'esp32', '--device', p('no-port'), '--timeout', 'abc'], code: 2, message: /--timeout must be a number of seconds > 0, got "abc"/ },
  { name: 'sim --fault with a bad MS', args: () => ['sim', '--chip', 'esp32', '--device', p('no-port'), '--fault', 'stall:to-device:5:zz'], code: 2, message: /--fault stall:to-device:5:zz: expected KIND:DIRECTION:BYTE\[:MS\]/ },
  { name: 'hil --frame-samples 200', args: () => ['hil', p('no-port'), '--model', p('model.tflite'), p('rec.wav'), '--frame-samples', '200'], code: 2, message: /--frame-samples must be a multiple of 160 \(one 10 ms step\), got 200/ },
  { name: 'hil --baud abc', args: () => ['hil', p('no-port'), '--model', p('model.tflite'), p('rec.wav'), '--baud', 'abc'], code: 2, message: /--baud must be an integer ≥ 9600, got "abc"/ },
  { name: 'sim --arena 1.5', args: () => ['sim', '--chip', 'esp32', '--device', p('no-port'), '--arena', '1.5'], code: 2, message: /--arena must be a whole number of bytes ≥ 1, got "1\.5"/ },

  // Input files
  { name: 'nonexistent model', args: () => ['inspect', p('nope.tflite')], code: 1, message: /nope\.tflite: TFLite model not found/ },
  { name: 'directory as model', args: () => ['inspect', p('adir')], code: 1, message: /adir: expected a TFLite model file, found a directory/ },
  { name: 'empty model', args: () => ['inspect', p('empty.bin')], code: 1, message: /empty\.bin: TFLite model is empty \(0 bytes\)/ },
  { name: 'garbage model', args: () => ['inspect', p('garbage.bin')], code: 1, message: /garbage\.bin: not a TFLite model: file identifier/ },
  { name: 'a .wav given as model', args: () => ['inspect', p('rec.wav')], code: 1, message: /rec\.wav: not a TFLite model: .*\(this is a WAV recording\)/ },
  { name: 'a device given as model', args: () => ['inspect', '/dev/null'], code: 1, message: /\/dev\/null: expected a TFLite model file, found a device/ },
  { name: 'a model given as wav', args: () => ['features', p('model.tflite'), '-o', p('x.i8')], code: 1, message: /model\.tflite: not a WAV file/ },
  { name: 'directory as wav', args: () => ['features', p('adir'), '-o', p('x.i8')], code: 1, message: /adir: expected a WAV file, found a directory/ },
  { name: 'endless device as wav', args: () => ['features', '/dev/zero', '-o', p('x.i8')], code: 1, message: /\/dev\/zero: expected a WAV file, found a device/ },
  { name: 'binary file as project', args: () => ['build', '--project', p('rec.wav'), '--no-compile'], code: 1, message: /rec\.wav: not a project file: it holds binary data/ },
  { name: 'directory as project', args: () => ['build', '--project', p('adir'), '--no-compile'], code: 1, message: /adir: expected a project file \(mww\.yaml\), found a directory/ },
  { name: 'directory as eval result', args: () => ['manifest', p('model.tflite'), '--wake-word', 'x', '-o', p('m.json'), '--cutoff-from', p('adir')], code: 1, message: /adir: expected an eval result file, found a directory/ },
  { name: 'init with a missing model', args: () => ['init', '--file', p('i.yaml'), '--model', p('nope.json')], code: 1, message: /nope\.json: --model: model not found/ },

  // Output paths: checked before any work, never overwrite an input
  { name: 'output = input (features)', args: () => ['features', p('rec.wav'), '-o', p('rec.wav')], code: 2, message: /--output .*rec\.wav is the same file as IN\.wav/ },
  { name: 'two outputs on one path', args: () => ['features', p('rec.wav'), '-o', p('x.i8'), '--u16', p('x.i8')], code: 2, message: /--output and --u16 are the same file/ },
  { name: 'output = input (infer)', args: () => ['infer', p('model.tflite'), '--features', p('feat.i8'), '-o', p('feat.i8')], code: 2, message: /is the same file as --features/ },
  { name: 'output = model (infer)', args: () => ['infer', p('model.tflite'), '--features', p('feat.i8'), '-o', p('model.tflite')], code: 2, message: /is the same file as MODEL/ },
  { name: 'output is a directory', args: () => ['infer', p('model.tflite'), '--features', p('feat.i8'), '-o', p('adir')], code: 2, message: /adir: is a directory; --output needs a file path/ },
  { name: 'output under a regular file', args: () => ['infer', p('model.tflite'), '--features', p('feat.i8'), '-o', p('regular', 'o.u8')], code: 2, message: /regular is a file, not a directory/ },
  { name: 'plot under a regular file', args: () => ['test', '--model', p('model.tflite'), p('rec.wav'), '--plot', p('regular', 'x.svg')], code: 2, message: /regular is a file, not a directory/ },
  { name: 'hil plot under a regular file', args: () => ['hil', p('no-port'), '--model', p('model.tflite'), p('rec.wav'), '--plot', p('regular', 'x.svg')], code: 2, message: /regular is a file, not a directory/ },
  { name: 'hil plot = an input', args: () => ['hil', p('no-port'), '--model', p('model.tflite'), p('rec.svg'), '--plot', p('rec.svg')], code: 2, message: /--plot .*rec\.svg is the same file as an input/ },
  { name: 'manifest output is a directory', args: () => ['manifest', p('model.tflite'), '--wake-word', 'x', '-o', p('out.json')], code: 2, message: /out\.json: is a directory; --output needs a file path/ },
  { name: 'init --file is a directory', args: () => ['init', '--file', p('adir')], code: 2, message: /adir: is a directory; --file needs a file path/ },
  { name: 'build --out is a file', args: () => ['build', '--board', 'esp32', '--out', p('regular'), '--no-compile'], code: 2, message: /regular: is a file; --out needs a directory/ },
  { name: 'build --out under a file', args: () => ['build', '--board', 'esp32', '--out', p('regular', 'b'), '--no-compile'], code: 2, message: /regular is a file, not a directory/ },
  ...(existsSync('/proc/self')
    ? [{ name: 'unwritable directory (/proc)', args: () => ['init', '--file', `/proc/mww-${process.pid}/x.yaml`], code: 1, message: /\/proc\/mww-\d+: cannot create directory: the file system does not allow creating it/ }]
    : []),
];

describe('mww on bad input', () => {
  it.each(CASES)('$name', async ({ args, code, message }) => {
    const r = await runCli(args());
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^error: /m);
    expect(r.stdout + r.stderr).not.toMatch(STACK_LINE);
    expect(r.stderr).not.toMatch(/internal error/);

    const j = await runCli([...args(), '--json']);
    expect(j.code).toBe(code);
    const doc = JSON.parse(j.stdout) as { error: { kind: string; message: string } };
    expect(doc.error.message).toMatch(message);
    expect(doc.error.kind).toMatch(code === 2 ? /^usage$/ : /^(input|io)$/);
  });

  it('leaves no .mww-tmp-* files behind', () => {
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [e.name]));
    expect(walk(dir).filter((n) => n.includes('.mww-tmp-'))).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.includes('.mww-tmp-'))).toEqual([]);
  });

  it('keeps the inputs it refused to overwrite', () => {
    expect(readdirSync(dir).sort()).toEqual(['adir', 'empty.bin', 'fw.bin', 'feat.i8', 'garbage.bin', 'model.tflite', 'out.json', 'rec.wav', 'regular'].sort());
  });
});

describe('mww help and version', () => {
  const MINE = ['inspect', 'infer', 'features', 'test', 'eval', 'manifest', 'boards', 'init', 'build', 'flash', 'monitor', 'sim', 'hil'];

  it('no arguments: usage on stdout, exit 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^Usage: mww <command> \[options\]$/m);
    for (const c of MINE) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it('--help and --version exit 0', async () => {
    expect((await runCli(['--help'])).code).toBe(0);
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each(MINE)('mww %s --help, -h and `mww help …` print its usage', async (c) => {
    for (const args of [[c, '--help'], [c, '-h'], ['help', c]]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: mww ${c}\\b`));
      expect(r.stderr).toBe('');
    }
  });
});

describe('errors that are not MwwErrors, colour, JSON documents', () => {
  const fake = (run: (out: Parameters<NonNullable<Awaited<ReturnType<(typeof COMMANDS)[string]>>['default']['run']>>[1]) => Promise<number>) => async () => ({
    default: { name: 'x', summary: 's', usage: 'Usage: mww x', options: {}, run: (_a: unknown, out: Parameters<typeof run>[0]) => run(out) },
  });
  afterAll(() => {
    for (const k of ['__boom', '__fs', '__late']) delete COMMANDS[k];
  });

  it('a bug in mww: "internal error", exit 70, no stack trace, JSON error under --json', async () => {
    COMMANDS.__boom = fake(async () => {
      throw new TypeError('x is undefined');
    }) as (typeof COMMANDS)[string];
    const r = await runCli(['__boom', '--json']);
    expect(r.code).toBe(70);
    expect(JSON.parse(r.stdout).error).toEqual({ kind: 'internal', message: 'internal error in mww (please report): x is undefined' });
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('a raw file-system error is reported as an io problem with its path, not as a bug', async () => {
    COMMANDS.__fs = fake(async () => {
      throw Object.assign(new Error("ENOSPC: no space left on device, write '/x/y'"), { code: 'ENOSPC', syscall: 'write', path: '/x/y' });
    }) as (typeof COMMANDS)[string];
    const r = await runCli(['__fs', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ kind: 'io', where: '/x/y', message: '/x/y: cannot write (no space left on the device)' });
  });

  it('an error after the result was printed does not add a second JSON document', async () => {
    COMMANDS.__late = fake(async (out) => {
      out.result({ partial: true });
      throw new MwwError('verify', 'checked after the fact');
    }) as (typeof COMMANDS)[string];
    const r = await runCli(['__late', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ partial: true });
    expect(r.stderr).toMatch(/error: checked after the fact/);
  });

  it('NO_COLOR wins; FORCE_COLOR colours a non-TTY; --json stdout stays plain JSON', async () => {
    const args = ['inspect', path.join(dir, 'nope.tflite')];
    expect((await runCli(args, { NO_COLOR: '1', FORCE_COLOR: '1' })).stderr).not.toMatch(/\u001b\[/);
    expect((await runCli(args, { NO_COLOR: undefined })).stderr).not.toMatch(/\u001b\[/);
    const forced = await runCli([...args, '--json'], { NO_COLOR: undefined, FORCE_COLOR: '1' });
    expect(forced.stderr).toMatch(/\u001b\[31merror\u001b\[0m/);
    expect(forced.stdout).not.toMatch(/\u001b\[/);
    expect(JSON.parse(forced.stdout).error.kind).toBe('input');
  });
});

describe('temporary files on interruption and failure', () => {
  it('Ctrl-C removes files being written; commands with their own SIGINT handler keep control', () => {
    const proc = Object.assign(new EventEmitter(), {
      exitCode: undefined as number | undefined,
      exit(code: number) {
        this.exitCode = code;
      },
      stderr: { write: () => true },
    });
    installInterruptCleanup(proc as unknown as NodeJS.Process);
    const a = path.join(dir, '.mww-tmp-a');
    writeFileSync(a, 'half');
    trackTemp(a);
    const own = (): void => {};
    proc.on('SIGINT', own); // like `mww monitor`
    proc.emit('SIGINT');
    expect(existsSync(a)).toBe(false);
    expect(proc.exitCode).toBeUndefined();
    proc.off('SIGINT', own);
    const b = path.join(dir, '.mww-tmp-b');
    writeFileSync(b, 'half');
    trackTemp(b);
    proc.emit('SIGINT');
    expect(existsSync(b)).toBe(false);
    expect(proc.exitCode).toBe(130);
  });

  it('a failed write leaves neither the target nor a temporary', async () => {
    const target = path.join(dir, 'regular', 'deep', 'out.bin');
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow(/regular: is a file, not a directory, so deep cannot be created inside it/);
    await expect(writeFileAtomic(path.join(dir, 'adir'), 'x')).rejects.toThrow(/adir: cannot write file: it is a directory/);
    expect(readdirSync(path.join(dir, 'adir'))).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.startsWith('.mww-tmp-'))).toEqual([]);
  });
});
