/**
 * The Eigen float32 routines the calibrator emulates (src/convert/float/eigen.ts):
 *  - the logistic against TensorFlow's own recorded ranges: a LOGISTIC is monotonic, so TF's recorded output
 *    min/max are its kernel applied to the recorded input min/max (calibrated_float.tflite of every golden case);
 *  - the dot product's bookkeeping (every element summed exactly once, for every length and leftover shape).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { eigenDot, eigenLogistic, predux8 } from '../../src/convert/float/eigen.js';
import { readModel } from '../../src/tflite/reader.js';
import { BuiltinOp } from '../../src/tflite/model.js';

const FLT_MIN = Math.fround(1.1754943508222875e-38);

describe('eigenDot', () => {
  it('sums every element exactly once for lengths 0…140 (integer data, so any order is exact)', () => {
    const acc = new Float32Array(32);
    for (let n = 0; n <= 140; n++) {
      const x = Float32Array.from({ length: n + 3 }, (_, i) => (i % 7) - 3);
      const w = Float32Array.from({ length: n + 5 }, (_, i) => (i % 5) + 1);
      let exact = 0;
      for (let i = 0; i < n; i++) exact += x[i + 3]! * w[i + 5]!;
      expect(eigenDot(x, 3, w, 5, n, acc), `n=${n}`).toBe(exact);
    }
  });

  it('reduces a packet as (l0+l4 + l2+l6) + (l1+l5 + l3+l7)', () => {
    // 2^24 + 1 is not a float32: only lanes 1 and 3 meeting before they reach 2^24 keeps both ones.
    // (A sequential or adjacent-pair reduction gives 2^24.)
    const a = Float32Array.from([2 ** 24, 1, 0, 1, 0, 0, 0, 0]);
    expect(predux8(a, 0)).toBe(2 ** 24 + 2);
  });
});

const CASES = ['golden/fixture_okay_nabu_v2', 'golden/variants/resid', 'golden/variants/spatial'];

describeShared('eigenLogistic against TensorFlow\'s recorded LOGISTIC ranges', () => {
  for (const dir of CASES) {
    it(`maps the recorded input min/max to the recorded output min/max (${dir})`, () => {
      const m = readModel(new Uint8Array(readFileSync(sharedPath(dir, 'calibrated_float.tflite'))));
      const sg = m.subgraphs[0]!;
      const logistics = sg.operators.filter((o) => m.operatorCodes[o.opcodeIndex]!.builtinCode === BuiltinOp.LOGISTIC);
      expect(logistics.length).toBeGreaterThan(0);
      let checked = 0;
      for (const op of logistics) {
        const qi = sg.tensors[op.inputs[0]!]!.quantization!;
        const qo = sg.tensors[op.outputs[0]!]!.quantization!;
        expect(eigenLogistic(qi.min![0]!)).toBe(qo.min![0]);
        checked++;
        // FLT_MIN marks "all observed values negative": not a value the kernel saw.
        if (qi.max![0] !== FLT_MIN) {
          expect(eigenLogistic(qi.max![0]!)).toBe(qo.max![0]);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
}, ['golden']);
