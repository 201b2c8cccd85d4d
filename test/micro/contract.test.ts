/** ESPHome's load-time contract on real models and on models patched in memory to break one rule each. */
import { beforeAll, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { readModelFile } from '../../src/tflite/file.js';
import { BuiltinOp, TensorType, type TfliteModel } from '../../src/tflite/model.js';
import { checkEsphomeContract, opsOutsideResolver } from '../../src/micro/contract.js';
import { MicroInterpreter } from '../../src/micro/interpreter.js';
import { computeArena } from '../../src/micro/arena/index.js';
import { MwwError } from '../../src/errors.js';

describeShared('ESPHome contract', () => {
  let base: TfliteModel;
  const fresh = (): TfliteModel => structuredClone(base);
  beforeAll(async () => {
    base = (await readModelFile(sharedPath('models', 'okay_nabu.tflite'))).model;
  });

  it('accepts every shared model, with stride from the input shape', async () => {
    expect(checkEsphomeContract(base)).toEqual({ ok: true, problems: [], stride: 3 });
    for (const m of ['hey_jarvis', 'vad', 'alexa']) {
      const { model } = await readModelFile(sharedPath('models', `${m}.tflite`));
      expect(checkEsphomeContract(model).ok).toBe(true);
    }
  });

  it('names an operator outside ESPHome\'s resolver', () => {
    const m = fresh();
    const i = m.operatorCodes.findIndex((c) => c.builtinCode === BuiltinOp.LOGISTIC);
    m.operatorCodes[i]!.builtinCode = 25; // SOFTMAX
    const r = checkEsphomeContract(m);
    expect(r.ok).toBe(false);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/operator SOFTMAX \(1×, first at subgraph 0, op \d+\) is not in ESPHome's op resolver/);
  });

  it('finds ops outside the resolver once per kind (count, first occurrence); runtime and arena word it for their context', () => {
    expect(opsOutsideResolver(base)).toEqual([]);
    const m = fresh();
    const sg = m.subgraphs[0]!;
    const opsOf = (code: number): number[] => sg.operators.flatMap((op, i) => (m.operatorCodes[op.opcodeIndex]!.builtinCode === code ? [i] : []));
    const conv = opsOf(BuiltinOp.CONV_2D);
    const logistic = opsOf(BuiltinOp.LOGISTIC);
    expect(conv.length).toBeGreaterThan(1);
    m.operatorCodes[sg.operators[conv[0]!]!.opcodeIndex]!.builtinCode = 28; // TANH (every CONV_2D shares the code)
    m.operatorCodes[sg.operators[logistic[0]!]!.opcodeIndex]!.builtinCode = 25; // SOFTMAX
    const found = opsOutsideResolver(m);
    expect(found).toEqual([
      { code: 28, name: 'TANH', count: conv.length, subgraph: 0, index: conv[0] },
      { code: 25, name: 'SOFTMAX', count: 1, subgraph: 0, index: logistic[0] },
    ]);
    expect(checkEsphomeContract(m).problems).toEqual([
      `operator TANH (${conv.length}×, first at subgraph 0, op ${conv[0]}) is not in ESPHome's op resolver; the model fails to load`,
      `operator SOFTMAX (1×, first at subgraph 0, op ${logistic[0]}) is not in ESPHome's op resolver; the model fails to load`,
    ]);
    const refusal = (fn: () => unknown): MwwError => {
      try {
        fn();
      } catch (e) {
        if (e instanceof MwwError) return e;
        throw e;
      }
      throw new Error('expected an MwwError');
    };
    const runtime = refusal(() => MicroInterpreter.create(m, { source: 'm.tflite' }));
    expect(runtime.kind).toBe('unsupported');
    expect(runtime.message).toBe(`m.tflite: subgraph 0, operator ${conv[0]}: operator TANH (code 28) is not registered by ESPHome's micro_wake_word resolver`);
    const arena = refusal(() => computeArena(m, { chip: 'esp32s3', espNn: '1.1.2' }));
    expect(arena.kind).toBe('unsupported');
    expect(arena.message).toBe(`model: operator TANH (subgraph 0, op ${conv[0]}) is not in ESPHome's op resolver; the model cannot load`);
  });

  it('names a CUSTOM op with its custom code, and refuses an opcode index out of range as malformed', () => {
    const m = fresh();
    const i = m.operatorCodes.findIndex((c) => c.builtinCode === BuiltinOp.LOGISTIC);
    m.operatorCodes[i] = { ...m.operatorCodes[i]!, builtinCode: 32, customCode: 'TFLite_Detection_PostProcess' };
    expect(checkEsphomeContract(m).problems[0]).toMatch(/^operator CUSTOM 'TFLite_Detection_PostProcess' \(1×, first at subgraph 0, op \d+\) is not in ESPHome's op resolver/);
    const bad = fresh();
    bad.subgraphs[0]!.operators[5]!.opcodeIndex = 99;
    expect(() => opsOutsideResolver(bad, 'x.tflite')).toThrow(`x.tflite: subgraph 0, operator 5: operator code index 99 is out of range (${bad.operatorCodes.length} operator codes)`);
  });

  it('reports an int8 model whose input is float32 specifically', () => {
    const m = fresh();
    m.subgraphs[0]!.tensors[m.subgraphs[0]!.inputs[0]!]!.type = TensorType.FLOAT32;
    const r = checkEsphomeContract(m);
    expect(r.problems).toEqual([expect.stringMatching(/is float32 but the model is int8-quantized/)]);
    expect(r.stride).toBe(3);
  });

  it('rejects an input shape that is not [1, stride, 40]', () => {
    const m = fresh();
    m.subgraphs[0]!.tensors[m.subgraphs[0]!.inputs[0]!]!.shape = [1, 3, 32];
    const r = checkEsphomeContract(m);
    expect(r.stride).toBe(0);
    expect(r.problems[0]).toMatch(/has shape \[1, 3, 32\]; ESPHome expects \[1, stride, 40\]/);
  });

  it('rejects a non-uint8 or non-[1,1] output', () => {
    const m = fresh();
    const out = m.subgraphs[0]!.tensors[m.subgraphs[0]!.outputs[0]!]!;
    out.type = TensorType.INT8;
    out.shape = [1, 2];
    const r = checkEsphomeContract(m);
    expect(r.problems).toEqual([
      expect.stringMatching(/has shape \[1, 2\]; ESPHome expects \[1, 1\]/),
      expect.stringMatching(/is INT8; ESPHome requires a uint8 output/),
    ]);
  });

  it('rejects a schema version other than 3', () => {
    const m = fresh();
    m.version = 2;
    expect(checkEsphomeContract(m).problems).toEqual([expect.stringMatching(/schema version is 2; ESPHome requires TFLite schema version 3/)]);
  });

  it('rejects more than 20 resource variables', () => {
    const m = fresh();
    const sg = m.subgraphs[0]!;
    const handle = sg.operators.find((op) => m.operatorCodes[op.opcodeIndex]!.builtinCode === BuiltinOp.VAR_HANDLE)!;
    for (let k = 0; k < 15; k++) {
      const t = sg.tensors.length;
      sg.tensors.push({ ...structuredClone(sg.tensors[handle.outputs[0]!]!), name: `extra${k}` });
      sg.operators.unshift({ ...structuredClone(handle), outputs: [t], builtinOptions: { kind: 'VarHandleOptions', container: '', sharedName: `extra_${k}/states` } });
    }
    const r = checkEsphomeContract(m);
    expect(r.problems).toEqual([expect.stringMatching(/creates 21 resource variables; ESPHome allows at most 20/)]);
  });
});
