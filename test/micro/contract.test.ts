/** ESPHome's load-time contract on real models and on models patched in memory to break one rule each. */
import { beforeAll, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { readModelFile } from '../../src/tflite/file.js';
import { BuiltinOp, TensorType, type TfliteModel } from '../../src/tflite/model.js';
import { checkEsphomeContract } from '../../src/micro/contract.js';

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
