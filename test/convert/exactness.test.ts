/**
 * Exactness of the converter's float math against TensorFlow:
 *  - TF's fast-math rsqrt (Intel RSQRTPS estimate + Eigen's Newton step) against the documented bounds and against
 *    values measured with `_mm256_rsqrt_ps` / Eigen's packet formula on an Intel Xeon;
 *  - the folded float weights and biases of every golden case against calibrated_float.tflite, bit for bit;
 *  - the float runner's reuse of its buffers (reset/re-run gives the same numbers).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { PACKET_SIZE, rsqrtEstimate, rsqrtPacketLane, rsqrtScalar, tfRsqrt } from '../../src/convert/float/rsqrt.js';
import { BN_EPSILON } from '../../src/convert/graph/fold.js';
import { FloatRunner } from '../../src/convert/float/eval.js';
import { calibrate, forceInputRange } from '../../src/convert/calibrate.js';
import { loadTrainingConfig, resolveFlags } from '../../src/convert/config.js';
import { layersOfClass, readKerasWeights } from '../../src/convert/h5.js';
import { buildMixedNet } from '../../src/convert/graph/mixednet.js';
import { loadRawF32 } from '../../src/convert/data.js';
import { readModel } from '../../src/tflite/reader.js';
import { TensorType } from '../../src/tflite/model.js';

const f32 = Math.fround;
const view = new DataView(new ArrayBuffer(4));
const bitsOf = (x: number) => (view.setFloat32(0, x, true), view.getUint32(0, true));
const fromBits = (u: number) => (view.setUint32(0, u, true), view.getFloat32(0, true));

/** Float32 inputs spread over many binades (deterministic LCG over the bit patterns of positive normals). */
function sweep(n: number): number[] {
  const out: number[] = [];
  let s = 0x1234567;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const exp = 1 + (s % 253);
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out.push(fromBits((exp << 23) | (s & 0x7fffff)));
  }
  return out;
}

describe('TF fast-math rsqrt', () => {
  // (input, _mm256_rsqrt_ps, Eigen prsqrt<Packet8f> without FMA) measured on an Intel Xeon with AVX.
  const HARDWARE: [number, number, number][] = [
    [0x3f800000, 0x3f7ff000, 0x3f7ffffe],
    [0x3f98cace, 0x3f6a4800, 0x3f6a4fd9],
    [0x40000000, 0x3f34f800, 0x3f3504f2],
    [0x3e9205c2, 0x3fefa800, 0x3fefae8b],
    [0x3f892257, 0x3f774800, 0x3f7753cd],
    [0x3fb5ecf2, 0x3f56b800, 0x3f56bb8e],
    [0x42c80000, 0x3dccc800, 0x3dcccccd],
    [0x3a83126f, 0x41fd0000, 0x41fcfb72],
  ];

  it('reproduces the estimates and refined values measured on hardware', () => {
    for (const [x, est, lane] of HARDWARE) {
      expect(bitsOf(rsqrtEstimate(fromBits(x))).toString(16), `estimate of 0x${x.toString(16)}`).toBe(est.toString(16));
      expect(bitsOf(rsqrtPacketLane(fromBits(x))).toString(16), `packet lane of 0x${x.toString(16)}`).toBe(lane.toString(16));
    }
  });

  it('meets the Intel SDM bound |rel err| ≤ 1.5·2^-12 with a 12-bit mantissa', () => {
    for (const x of sweep(4000)) {
      const e = rsqrtEstimate(x);
      const exact = 1 / Math.sqrt(x);
      expect(Math.abs(e - exact) / exact).toBeLessThanOrEqual(1.5 * 2 ** -12);
      expect(bitsOf(e) & 0x7ff).toBe(0);
    }
  });

  it('depends only on the exponent parity and the top 10 mantissa bits, and scales by 2^-k for 4^k', () => {
    for (const x of sweep(2000)) {
      const u = bitsOf(x);
      expect(rsqrtEstimate(fromBits(u | 0x1fff))).toBe(rsqrtEstimate(fromBits(u & ~0x1fff)));
      if (x < 1e30) expect(rsqrtEstimate(x * 4)).toBe(rsqrtEstimate(x) / 2);
    }
  });

  it('handles the special inputs like the instruction (and Eigen keeps the estimate where Newton gives NaN)', () => {
    expect(rsqrtEstimate(0)).toBe(Infinity);
    expect(rsqrtEstimate(fromBits(0x00400000))).toBe(Infinity); // denormal treated as zero
    expect(rsqrtEstimate(Infinity)).toBe(0);
    expect(rsqrtEstimate(-1)).toBeNaN();
    expect(rsqrtEstimate(NaN)).toBeNaN();
    expect(rsqrtPacketLane(0)).toBe(Infinity);
    expect(rsqrtPacketLane(Infinity)).toBe(0);
  });

  // Eigen documents 2 ulps for its Newton step with FMA; TF's AVX build has no FMA (separately rounded mul and
  // add), which measures at most 3.75·2^-24 relative error over [1, 4) — bounded here by 2^-22 and 3 ulps.
  it('is within 2^-22 relative (3 ulps) after the Newton step; the scalar path is 1/sqrt in float', () => {
    let differsFromCorrectlyRounded = 0;
    for (const x of sweep(4000)) {
      const correct = f32(1 / Math.sqrt(x));
      const lane = rsqrtPacketLane(x);
      expect(Math.abs(lane - 1 / Math.sqrt(x)) * Math.sqrt(x)).toBeLessThanOrEqual(2 ** -22);
      expect(Math.abs(bitsOf(lane) - bitsOf(correct))).toBeLessThanOrEqual(3);
      if (lane !== correct) differsFromCorrectlyRounded++;
      expect(rsqrtScalar(x)).toBe(f32(1 / f32(Math.sqrt(x))));
    }
    expect(differsFromCorrectlyRounded).toBeGreaterThan(0);
  });

  it('takes the packet path for the first floor(n/8)·8 elements and the scalar path for the rest', () => {
    const xs = Float32Array.from(sweep(PACKET_SIZE * 3 + 5));
    const r = tfRsqrt(xs);
    xs.forEach((x, i) => expect(r[i]).toBe(i < PACKET_SIZE * 3 ? rsqrtPacketLane(x) : rsqrtScalar(x)));
  });
});

const GOLDEN = ['golden/fixture_okay_nabu_v2', 'golden/variants/resid', 'golden/variants/spatial'];

for (const dir of GOLDEN) {
  describeShared(`float constants of ${dir} vs calibrated_float.tflite`, () => {
    it('every weight and bias (batch norm folded) is bit-identical to TensorFlow\'s', async () => {
      const d = sharedPath(dir);
      const cfg = await loadTrainingConfig(`${d}/training_config.yaml`);
      const flags = resolveFlags(cfg.flags, { spectrogramLength: cfg.spectrogramLength, where: 'cfg' });
      const weights = await readKerasWeights(`${d}/checkpoint.weights.h5`);
      const { graph } = buildMixedNet(flags, weights);
      const tf = readModel(new Uint8Array(readFileSync(`${d}/calibrated_float.tflite`)));
      const sg = tf.subgraphs[0]!;
      const tfConsts = sg.tensors
        .filter((t) => t.type === TensorType.FLOAT32 && (tf.buffers[t.buffer]?.length ?? 0) > 0)
        .map((t) => new Uint32Array(tf.buffers[t.buffer]!.slice().buffer));
      let checked = 0;
      for (const t of graph.tensors) {
        if (!t.data) continue;
        const mine = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
        const same = tfConsts.some((c) => c.length === mine.length && c.every((v, i) => v === mine[i]));
        expect(same, `${t.kind} ${t.name} [${t.shape}] bit-identical to a TF tensor`).toBe(true);
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(20);
      // The check discriminates: the correctly rounded rsqrt differs from TF's on some of these channels.
      let differ = 0;
      for (const bn of layersOfClass(weights, 'batch_normalization')) {
        const v = Float32Array.from(bn.vars[3]!.data, (x) => f32(x + f32(BN_EPSILON)));
        tfRsqrt(v).forEach((r, i) => (differ += r === f32(1 / Math.sqrt(v[i]!)) ? 0 : 1));
      }
      expect(differ).toBeGreaterThan(0);
    }, 60_000);
  }, ['golden']);
}

describeShared('float runner buffer reuse', () => {
  it('gives the same ranges on a second calibration and the same outputs after reset', async () => {
    const d = sharedPath('golden/fixture_okay_nabu_v2');
    const cfg = await loadTrainingConfig(`${d}/training_config.yaml`);
    const flags = resolveFlags(cfg.flags, { spectrogramLength: cfg.spectrogramLength, where: 'cfg' });
    const { graph } = buildMixedNet(flags, await readKerasWeights(`${d}/checkpoint.weights.h5`));
    const specs = (await loadRawF32(`${d}/rep_dataset.f32`, flags.spectrogramLength)).slice(0, 4);
    forceInputRange(specs);
    const a = calibrate(graph, specs);
    const b = calibrate(graph, specs);
    expect(Array.from(b.min)).toEqual(Array.from(a.min));
    expect(Array.from(b.max)).toEqual(Array.from(a.max));

    const runner = new FloatRunner(graph);
    const run = () => {
      const outs: number[] = [];
      for (let i = 0; i + 3 < specs[0]!.frames; i += 3) outs.push(runner.invoke(specs[0]!.data.subarray(i * 40, (i + 3) * 40))[0]!);
      return outs;
    };
    const first = run();
    runner.reset();
    expect(run()).toEqual(first);
    expect(new FloatRunner(graph).invoke(specs[0]!.data.subarray(0, 120))[0]).toBe(first[0]);
  }, 60_000);
}, ['golden']);
