import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { ESPHOME_OPS, isEsphomeOp, opCodeCounts, opCodeOf, opCounts, opName } from '../../src/tflite/ops.js';
import { readModel } from '../../src/tflite/reader.js';
import { BuiltinOp, type TfliteModel } from '../../src/tflite/model.js';

describe('opName', () => {
  it('names builtin codes from the schema enum', () => {
    expect(opName(0)).toBe('ADD');
    expect(opName(3)).toBe('CONV_2D');
    expect(opName(32)).toBe('CUSTOM');
    expect(opName(114)).toBe('QUANTIZE');
    expect(opName(127)).toBe('PLACEHOLDER_FOR_GREATER_OP_CODES');
    expect(opName(129)).toBe('CALL_ONCE');
    expect(opName(142)).toBe('VAR_HANDLE');
    expect(opName(161)).toBe('RIGHT_SHIFT');
    expect(opName(162)).toBe('STABLEHLO_LOGISTIC');
    expect(opName(203)).toBe('DILATE');
    expect(opName(205)).toBe('REDUCE_WINDOW');
    expect(opName(225)).toBe('TEMP_STREAMING_CONV_2D');
    expect(opName(206)).toBe('UNKNOWN_OP_206');
    expect(opName(-1)).toBe('UNKNOWN_OP_-1');
  });

  it('agrees with model.ts BuiltinOp for every code it declares', () => {
    for (const [name, code] of Object.entries(BuiltinOp)) {
      if (typeof code === 'number') expect(opName(code)).toBe(name);
    }
  });
});

describeShared('ESPHOME_OPS', () => {
  it('is exactly the 20 ops of esphome-contract.md', () => {
    const doc = readFileSync(sharedPath('docs', 'esphome-contract.md'), 'utf8').replace(/\s+/g, ' ');
    const listed = /with exactly ([A-Z0-9_, ]+)\./.exec(doc)![1]!.split(',').map((s) => s.trim());
    expect(listed.length).toBe(20);
    expect(ESPHOME_OPS.map(opName)).toEqual(listed);
    expect(new Set(ESPHOME_OPS).size).toBe(20);
    expect(isEsphomeOp(BuiltinOp.SPLIT_V)).toBe(true);
    expect(isEsphomeOp(25 /* SOFTMAX */)).toBe(false);
  });
}, ['docs']);

describe('opCodeOf', () => {
  const model = {
    operatorCodes: [{ builtinCode: 142, version: 1 }],
  } as unknown as TfliteModel;
  it('returns the builtin code of an operator', () => {
    expect(opCodeOf(model, { opcodeIndex: 0, inputs: [], outputs: [], builtinOptions: null })).toBe(142);
  });
  it('throws a specific error for an index out of range', () => {
    expect(() => opCodeOf(model, { opcodeIndex: 3, inputs: [], outputs: [], builtinOptions: null })).toThrow(
      'operator code index 3 out of range (1 operator codes)',
    );
  });
});

describe('opCodeCounts / opCounts', () => {
  const op = (opcodeIndex: number) => ({ opcodeIndex, inputs: [], outputs: [], builtinOptions: null });
  const model = {
    operatorCodes: [
      { builtinCode: BuiltinOp.CONV_2D, version: 1 },
      { builtinCode: BuiltinOp.VAR_HANDLE, version: 1 },
    ],
    subgraphs: [{ operators: [op(1), op(0), op(0)] }, { operators: [op(1), op(1)] }],
  } as unknown as TfliteModel;
  it('counts the main subgraph by default, every subgraph on request, in first-appearance order', () => {
    expect([...opCodeCounts(model)]).toEqual([
      [BuiltinOp.VAR_HANDLE, 1],
      [BuiltinOp.CONV_2D, 2],
    ]);
    expect([...opCodeCounts(model, { allSubgraphs: true })]).toEqual([
      [BuiltinOp.VAR_HANDLE, 3],
      [BuiltinOp.CONV_2D, 2],
    ]);
    expect(opCounts(model)).toEqual({ VAR_HANDLE: 1, CONV_2D: 2 });
  });
});

describeShared('opCounts on the golden models', () => {
  // summary.txt records TensorFlow's own per-subgraph op counts: "subgraph N: … op counts: {'ADD': 3, …}".
  for (const dir of ['variants/resid', 'variants/spatial']) {
    it(`matches the op counts in golden/${dir}/summary.txt`, () => {
      const summary = readFileSync(sharedPath('golden', dir, 'summary.txt'), 'utf8');
      const recorded = [...summary.matchAll(/^subgraph (\d+): \d+ ops\n\s+op counts: \{([^}]*)\}/gm)].map((m) =>
        Object.fromEntries(m[2]!.split(',').map((kv) => {
          const [k, v] = kv.split(':');
          return [k!.trim().replace(/'/g, ''), Number(v)];
        })),
      );
      expect(recorded.length).toBe(2);
      const model = readModel(new Uint8Array(readFileSync(sharedPath('golden', dir, 'golden.tflite'))));
      expect(opCounts(model)).toEqual(recorded[0]);
      const all: Record<string, number> = { ...recorded[0] };
      for (const [k, v] of Object.entries(recorded[1]!)) all[k] = (all[k] ?? 0) + v;
      expect(opCounts(model, { allSubgraphs: true })).toEqual(all);
    });
  }
}, ['golden']);
