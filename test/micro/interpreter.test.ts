/** Interpreter behaviour (state, CALL_ONCE, reset) and the specific refusals, on the real okay_nabu model. */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { MwwError } from '../../src/errors.js';
import { MicroInterpreter, runStreaming } from '../../src/micro/interpreter.js';
import { BuiltinOp, TensorType, type TfliteModel } from '../../src/tflite/model.js';
import { readModel } from '../../src/tflite/reader.js';
import { describeShared, sharedPath } from '../helpers/shared.js';

const load = (): TfliteModel => readModel(new Uint8Array(readFileSync(sharedPath('models', 'okay_nabu.tflite'))), 'okay_nabu.tflite');

function expectMww(fn: () => unknown, kind: string, pattern: RegExp): MwwError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MwwError);
    const err = e as MwwError;
    expect(err.kind).toBe(kind);
    expect(err.message).toMatch(pattern);
    return err;
  }
  throw new Error('expected an MwwError');
}

/** Replaces the builtin code of the operator code used by the first op with code `from`. */
function patchOp(model: TfliteModel, from: number, to: number): void {
  const oc = model.operatorCodes.find((c) => c.builtinCode === from);
  if (!oc) throw new Error(`model has no ${from}`);
  oc.builtinCode = to;
}

describeShared('MicroInterpreter', () => {
  const features = () => new Int8Array(readFileSync(sharedPath('golden', 'audio', 'okay_nabu.features.i8')));

  it('reports stride and input shape; creates six resource variables', () => {
    const interp = MicroInterpreter.create(load());
    expect(interp.stride).toBe(3);
    expect(interp.inputShape).toEqual([1, 3, 40]);
    expect(interp.variables.count).toBe(6);
  });

  it('carries state across invokes and reset() starts over (CALL_ONCE runs again)', () => {
    const f = features();
    const expected = new Uint8Array(readFileSync(sharedPath('golden', 'runtime', 'okay_nabu__okay_nabu.u8')));
    const interp = MicroInterpreter.create(load());
    const run = (): number[] => {
      const out: number[] = [];
      for (let i = 0; i < expected.length; i++) out.push(interp.invoke(f.subarray(i * 120, (i + 1) * 120)));
      return out;
    };
    const first = run();
    expect(first).toEqual(Array.from(expected));
    interp.invoke(f.subarray(0, 120)); // one more invoke: the state moves on
    interp.reset();
    const again = run();
    expect(again).toEqual(Array.from(expected));
  });

  it('drops a trailing partial invoke', () => {
    const f = features();
    const whole = runStreaming(load(), f);
    const trimmed = runStreaming(load(), f.subarray(0, (whole.length - 1) * 120 + 80));
    expect(Array.from(trimmed)).toEqual(Array.from(whole.subarray(0, whole.length - 1)));
  });

  it('rejects invoke input of the wrong size', () => {
    const interp = MicroInterpreter.create(load());
    expectMww(() => interp.invoke(new Int8Array(80)), 'input', /expects 120 int8 values/);
  });

  it('refuses an operator outside ESPHome\'s resolver, naming it', () => {
    const model = load();
    patchOp(model, BuiltinOp.LOGISTIC, 25); // SOFTMAX
    const err = expectMww(() => MicroInterpreter.create(model, { source: 'm.tflite' }), 'unsupported', /operator SOFTMAX \(code 25\) is not registered by ESPHome's micro_wake_word resolver/);
    expect(err.message).toMatch(/^m\.tflite: subgraph 0, operator 53/);
  });

  it('runs every ESPHome operator: a LOGISTIC patched into MEAN is prepared as MEAN and refused for its operands', () => {
    const model = load();
    patchOp(model, BuiltinOp.LOGISTIC, BuiltinOp.MEAN);
    expectMww(() => MicroInterpreter.create(model), 'input', /operator 53 \(MEAN\): MEAN takes 2 inputs \(data, axis\) and 1 output, found 1 and 1/);
  });

  it('refuses a float model input', () => {
    const model = load();
    const sg = model.subgraphs[0]!;
    sg.tensors[sg.inputs[0]!]!.type = TensorType.FLOAT32;
    expectMww(() => MicroInterpreter.create(model), 'unsupported', /input tensor .* is FLOAT32; ESPHome feeds int8 features/);
  });

  it('refuses a float tensor feeding an int8 operator, naming operator and tensor', () => {
    const model = load();
    const fcIndex = model.subgraphs[0]!.operators.findIndex((op) => model.operatorCodes[op.opcodeIndex]!.builtinCode === BuiltinOp.FULLY_CONNECTED);
    const fc = model.subgraphs[0]!.operators[fcIndex]!;
    model.subgraphs[0]!.tensors[fc.inputs[0]!]!.type = TensorType.FLOAT32;
    // The RESHAPE before it is prepared first and sees a float output from an int8 input.
    expectMww(() => MicroInterpreter.create(model), 'input', /operator 51 \(RESHAPE\): input .* and output .* have different types/);
    const model2 = load();
    const sg2 = model2.subgraphs[0]!;
    sg2.tensors[sg2.operators[fcIndex]!.outputs[0]!]!.type = TensorType.FLOAT32;
    expectMww(() => MicroInterpreter.create(model2), 'unsupported', /operator 52 \(FULLY_CONNECTED\): output tensor .* is FLOAT32, but this runtime \(like ESPHome's micro_wake_word\) runs int8-quantized models only/);
  });

  it('refuses a CALL_ONCE pointing at a missing subgraph', () => {
    const model = load();
    const op = model.subgraphs[0]!.operators[0]!;
    op.builtinOptions = { kind: 'CallOnceOptions', initSubgraphIndex: 7 };
    expectMww(() => MicroInterpreter.create(model), 'input', /operator 0 \(CALL_ONCE\): init_subgraph_index 7 is out of range \(the model has 2 subgraphs/);
  });

  it('refuses a variable that is read but never assigned', () => {
    const model = load();
    const main = model.subgraphs[0]!;
    // Rename one handle of the main graph and drop its ASSIGN_VARIABLE: only the READ is left.
    const handleOp = main.operators.find((op) => op.builtinOptions?.kind === 'VarHandleOptions')!;
    const opts = handleOp.builtinOptions as { kind: 'VarHandleOptions'; container: string; sharedName: string };
    const assignsOf = (t: number) => main.operators.filter((op) => model.operatorCodes[op.opcodeIndex]!.builtinCode === BuiltinOp.ASSIGN_VARIABLE && op.inputs[0] === t);
    const drop = new Set(assignsOf(handleOp.outputs[0]!));
    main.operators = main.operators.filter((op) => !drop.has(op));
    handleOp.builtinOptions = { ...opts, sharedName: 'never/assigned' };
    expectMww(() => MicroInterpreter.create(model), 'input', /resource variable 'never\/assigned' is read but no ASSIGN_VARIABLE ever writes it/);
  });

  it('refuses a tensor index out of range', () => {
    const model = load();
    model.subgraphs[0]!.operators[17]!.inputs[1] = 999;
    expectMww(() => MicroInterpreter.create(model), 'input', /operator 17 \(CONV_2D\): input 1 refers to tensor 999, but the subgraph has 94 tensors/);
  });
});
