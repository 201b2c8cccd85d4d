import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWav } from '../../src/audio/wav.js';
import { computeFeatures, MicroFrontend, toEsphomeInt8 } from '../../src/frontend/index.js';
import { filterbankSqrt } from '../../src/frontend/filterbank.js';
import { KissFftrInt16, kissFactors } from '../../src/frontend/fft.js';
import { hannCoefficients } from '../../src/frontend/window.js';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { runCli } from '../helpers/cli.js';

const WAVS = ['okay_nabu', 'hey_jarvis', 'negative', 'silence'];

function goldenU16(name: string): Uint16Array {
  const b = readFileSync(sharedPath('golden', 'audio', `${name}.frontend.u16`));
  const out = new Uint16Array(b.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = b.readUInt16LE(2 * i);
  return out;
}
function goldenI8(name: string): Int8Array {
  const b = readFileSync(sharedPath('golden', 'audio', `${name}.features.i8`));
  return new Int8Array(b.buffer, b.byteOffset, b.length);
}
/** Index of the first differing element, or -1 (a readable failure instead of a 50k-element diff). */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describeShared('micro frontend vs the TFLM microfrontend library (golden audio)', () => {
  for (const name of WAVS) {
    it(`${name}.wav: uint16 slices and ESPHome int8 features are byte-identical`, async () => {
      const audio = await readWav(sharedPath('golden', 'audio', `${name}.wav`));
      expect(audio.notes).toEqual([]);
      const { u16, i8, slices } = computeFeatures(audio.samples);
      const gu = goldenU16(name);
      expect(slices).toBe(gu.length / 40);
      expect(firstDiff(u16, gu)).toBe(-1);
      expect(firstDiff(i8, goldenI8(name))).toBe(-1);
    });
  }

  it('toEsphomeInt8 maps the golden uint16 slices to the golden int8 features', () => {
    for (const name of WAVS) expect(firstDiff(toEsphomeInt8(goldenU16(name)), goldenI8(name))).toBe(-1);
  });

  it('reset() returns the frontend to its initial state (same slices on a second pass)', async () => {
    const audio = await readWav(sharedPath('golden', 'audio', 'okay_nabu.wav'));
    const fe = new MicroFrontend();
    const first = computeFeatures(audio.samples, fe).u16;
    fe.reset();
    expect(firstDiff(computeFeatures(audio.samples, fe).u16, first)).toBe(-1);
  });
}, ['golden/audio']);

describe('micro frontend stepping', () => {
  it('yields no slice for the first two 160-sample calls, then one slice per call', () => {
    const fe = new MicroFrontend();
    expect(fe.stepSamples).toBe(160);
    expect(fe.windowSamples).toBe(480);
    const step = new Int16Array(160).map((_, i) => Math.round(1000 * Math.sin(i / 5)));
    expect(fe.process(step)).toBeNull();
    expect(fe.process(step)).toBeNull();
    for (let k = 0; k < 5; k++) {
      const s = fe.process(step);
      expect(s).not.toBeNull();
      expect(s!.length).toBe(40);
    }
  });

  it('refuses more samples than fit the window in one call', () => {
    expect(() => new MicroFrontend().process(new Int16Array(481))).toThrow(/at most 480/);
  });

  it('computeFeatures drops a trailing partial step and reports slices = steps − 2', () => {
    const r = computeFeatures(new Int16Array(160 * 10 + 37));
    expect(r.slices).toBe(8);
    expect(r.u16.length).toBe(8 * 40);
    expect(computeFeatures(new Int16Array(300)).slices).toBe(0);
  });
});

describe('toEsphomeInt8', () => {
  it('follows ((v·256)+333)/666 − 128 with integer division and clamping', () => {
    const u = new Uint16Array([0, 1, 2, 332, 333, 666, 667, 1000, 20000, 32767, 65535]);
    const expected = [0, 1, 2, 332, 333, 666, 667, 1000, 20000, 32767, 65535].map((v) =>
      Math.max(-128, Math.min(127, Math.floor((v * 256 + 333) / 666) - 128)),
    );
    expect(Array.from(toEsphomeInt8(u))).toEqual(expected);
    expect(toEsphomeInt8(new Uint16Array([0]))[0]).toBe(-128);
    expect(toEsphomeInt8(new Uint16Array([65535]))[0]).toBe(127);
  });
});

describe('frontend building blocks', () => {
  it('filterbankSqrt equals the C bit-by-bit integer square root with its rounding step', () => {
    // Reference: TFLM's Sqrt32/Sqrt64 loop, run in BigInt.
    const cSqrt = (n: bigint): bigint => {
      if (n === 0n) return 0n;
      const is64 = n >> 32n !== 0n;
      const width = is64 ? 64 : 32;
      let num = n;
      let res = 0n;
      const msb = num.toString(2).length;
      const maxBit = (width - msb) | 1;
      let bit = 1n << BigInt(width - 1 - maxBit);
      let it = Math.floor((width - 1 - maxBit) / 2) + 1;
      while (it--) {
        if (num >= res + bit) {
          num -= res + bit;
          res = (res >> 1n) + bit;
        } else res >>= 1n;
        bit >>= 2n;
      }
      if (num > res && res !== (is64 ? 0xffffffffn : 0xffffn)) res++;
      return res;
    };
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed);
    const values = [1, 2, 3, 4, 0xfffe0001, 0xffffffff, 2 ** 32, 2 ** 32 + 1, 2 ** 48 - 1, 65535 * 65535 + 65535];
    for (let i = 0; i < 2000; i++) values.push(rnd() % 2 ** (1 + (i % 32)), (rnd() % 65536) * 2 ** 32 + rnd());
    for (const v of values) expect(filterbankSqrt(v)).toBe(Number(cSqrt(BigInt(v))));
  });

  it('kissfft factors 256 as four radix-4 stages, 512 as 4·4·4·4·2', () => {
    expect(kissFactors(256)).toEqual([4, 64, 4, 16, 4, 4, 4, 1]);
    expect(kissFactors(512)).toEqual([4, 128, 4, 32, 4, 8, 4, 2, 2, 1]);
  });

  it('the fixed-point real FFT puts a pure tone in its bin (scaled by 1/N as kissfft FIXED_POINT does)', () => {
    const n = 512;
    const fft = new KissFftrInt16(n);
    const x = new Int16Array(n);
    for (let i = 0; i < n; i++) x[i] = Math.round(16000 * Math.cos((2 * Math.PI * 32 * i) / n));
    const re = new Int16Array(n / 2 + 1);
    const im = new Int16Array(n / 2 + 1);
    fft.forward(x, re, im);
    // X[32] = N/2 · A / N = A/2 = 8000 after the 1/N scaling; all other bins ≈ 0.
    expect(Math.abs(re[32]! - 8000)).toBeLessThanOrEqual(8);
    let maxOther = 0;
    for (let k = 0; k <= n / 2; k++) if (k !== 32) maxOther = Math.max(maxOther, Math.abs(re[k]!), Math.abs(im[k]!));
    expect(maxOther).toBeLessThanOrEqual(4);
  });

  it('the Q12 Hann window starts at 0, peaks at 4096 and is symmetric up to float32 rounding', () => {
    const w = hannCoefficients(480);
    expect(Math.max(...w)).toBe(4096);
    expect(w[0]).toBe(0);
    // cosf in float32 is not exactly symmetric about the centre: mirrored coefficients may differ by one Q12 step.
    for (let i = 0; i < 240; i++) expect(Math.abs(w[i]! - w[479 - i]!)).toBeLessThanOrEqual(1);
  });
});

describeShared('mww features (CLI) against the golden features', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mww-features-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const name of WAVS) {
    it(`${name}.wav → .i8 and .u16 byte-identical to the reference`, async () => {
      const i8 = path.join(dir, `${name}.i8`);
      const u16 = path.join(dir, `${name}.u16`);
      const r = await runCli(['features', sharedPath('golden', 'audio', `${name}.wav`), '--output', i8, '--u16', u16]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/slices/);
      expect(Buffer.compare(readFileSync(i8), readFileSync(sharedPath('golden', 'audio', `${name}.features.i8`)))).toBe(0);
      expect(Buffer.compare(readFileSync(u16), readFileSync(sharedPath('golden', 'audio', `${name}.frontend.u16`)))).toBe(0);
    });
  }

  it('--json reports slices, seconds, outputs and notes', async () => {
    const i8 = path.join(dir, 'j.i8');
    const r = await runCli(['features', sharedPath('golden', 'audio', 'hey_jarvis.wav'), '--output', i8, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.slices).toBe(readFileSync(sharedPath('golden', 'audio', 'hey_jarvis.features.i8')).length / 40);
    // Duration from the WAV's own header (canonical 44 bytes, 16 kHz mono 16-bit: 'data' size at byte 40).
    const wavFile = readFileSync(sharedPath('golden', 'audio', 'hey_jarvis.wav'));
    expect(wavFile.toString('latin1', 36, 40)).toBe('data');
    expect(j.seconds).toBeCloseTo(wavFile.readUInt32LE(40) / 2 / 16000, 6);
    expect(j.output).toBe(i8);
    expect(j.u16).toBeNull();
    expect(j.notes).toEqual([]);
  });

  it('usage errors: missing input, missing --output', async () => {
    expect((await runCli(['features'])).code).toBe(2);
    const r = await runCli(['features', sharedPath('golden', 'audio', 'hey_jarvis.wav')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--output/);
  });
}, ['golden/audio']);
