import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { allSharedModels } from './shared-models.js';
import { readModel } from '../../src/tflite/reader.js';
import { readModelFile } from '../../src/tflite/file.js';
import { opName, opCodeOf } from '../../src/tflite/ops.js';
import { OPTIONS_TYPE } from '../../src/tflite/options.js';
import { TensorType, type Operator, type Tensor, type TfliteModel } from '../../src/tflite/model.js';

const load = (p: string): TfliteModel => readModel(new Uint8Array(readFileSync(p)), p);

describeShared('readModel: every shared model', () => {
  it('finds the reference models', () => {
    expect(allSharedModels().length).toBeGreaterThanOrEqual(16);
  });
  for (const file of allSharedModels()) {
    const short = file.slice(sharedPath().length + 1);
    it(`reads ${short}`, () => {
      const m = load(file);
      expect(m.version).toBe(3);
      expect(m.subgraphs.length).toBe(2);
      expect(m.buffers[0]!.length).toBe(0);
      // Init subgraph: VAR_HANDLE + ASSIGN_VARIABLE pairs only (model-format.md §3).
      const init = m.subgraphs[1]!;
      for (const [i, op] of init.operators.entries()) {
        expect(opName(opCodeOf(m, op))).toBe(i % 2 === 0 ? 'VAR_HANDLE' : 'ASSIGN_VARIABLE');
      }
      // main op0 is CALL_ONCE(init_subgraph_index = 1)
      const op0 = m.subgraphs[0]!.operators[0]!;
      expect(opName(opCodeOf(m, op0))).toBe('CALL_ONCE');
      expect(op0.builtinOptions).toEqual({ kind: 'CallOnceOptions', initSubgraphIndex: 1 });
      expect(m.metadata.map((x) => x.name)).toEqual(['min_runtime_version', 'CONVERSION_METADATA']);
      expect(m.signatureDefs[0]!.signatureKey).toBe('serving_default');
    });
  }
});

describeShared('readModel: okay_nabu facts (model-format.md, models/README.md)', () => {
  const m = load(sharedPath('models', 'okay_nabu.tflite'));
  const main = m.subgraphs[0]!;

  it('has 2 subgraphs, 55 main ops, 12 init ops, 94 tensors', () => {
    expect(m.subgraphs.length).toBe(2);
    expect(main.name).toBe('main');
    expect(main.operators.length).toBe(55);
    expect(m.subgraphs[1]!.name).toBe('NoOp');
    expect(m.subgraphs[1]!.operators.length).toBe(12);
    expect(main.tensors.length).toBe(94);
  });

  it('has an int8 [1,3,40] input with scale 26/255, zp -128 and a uint8 [1,1] output with scale 1/256', () => {
    const input = main.tensors[main.inputs[0]!]!;
    expect(main.inputs).toEqual([0]);
    expect(input.type).toBe(TensorType.INT8);
    expect(input.shape).toEqual([1, 3, 40]);
    expect(input.quantization!.scale[0]).toBeCloseTo(0.10196079, 7);
    expect(Math.fround(input.quantization!.scale[0]!)).toBe(input.quantization!.scale[0]);
    expect(input.quantization!.zeroPoint).toEqual([-128]);
    const output = main.tensors[main.outputs[0]!]!;
    expect(main.outputs).toEqual([93]);
    expect(output.type).toBe(TensorType.UINT8);
    expect(output.shape).toEqual([1, 1]);
    expect(output.quantization!.scale).toEqual([1 / 256]);
    expect(output.quantization!.zeroPoint).toEqual([0]);
  });

  it('has 6 VAR_HANDLEs with shared names stream/states … stream_5/states, the same in both subgraphs', () => {
    const names = (ops: Operator[]): string[] =>
      ops.flatMap((op) => (op.builtinOptions?.kind === 'VarHandleOptions' ? [`${op.builtinOptions.container}|${op.builtinOptions.sharedName}`] : []));
    const expected = ['stream', 'stream_1', 'stream_2', 'stream_3', 'stream_4', 'stream_5'].map((s) => `|${s}/states`);
    expect(names(main.operators)).toEqual(expected);
    expect(names(m.subgraphs[1]!.operators).sort()).toEqual(expected);
  });

  it('reads per-channel weight quantization with the documented quantized_dimension', () => {
    const convW = main.tensors[43]!; // CONV_2D filter [32,5,1,40]
    expect(convW.shape).toEqual([32, 5, 1, 40]);
    expect(convW.quantization!.scale.length).toBe(32);
    expect(convW.quantization!.quantizedDimension).toBe(0);
    const dwW = main.tensors[41]!; // DEPTHWISE filter [1,5,1,32]
    expect(dwW.quantization!.scale.length).toBe(32);
    expect(dwW.quantization!.quantizedDimension).toBe(3);
    expect(m.buffers[convW.buffer]!.length).toBe(32 * 5 * 40);
  });

  it('matches okay_nabu.ops.txt line by line', () => {
    const text = readFileSync(sharedPath('models', 'okay_nabu.ops.txt'), 'utf8');
    checkOpsListing(m, text);
  });
});

// ---------------------------------------------------------------------------------------- ops.txt parser

/** Tensor reference "t57[1, 5, 1, 40]in", optionally "=value" for constants. */
function parseTensorRef(s: string): { index: number; shape: number[]; type: string; value?: string } {
  const m = /^t(\d+)\[([^\]]*)\]([a-z]+)(?:=(.*))?$/.exec(s);
  if (!m) throw new Error(`cannot parse tensor ref ${s}`);
  const shape = m[2]!.trim() === '' ? [] : m[2]!.split(',').map((x) => Number(x.trim()));
  return { index: Number(m[1]), shape, type: m[3]!, value: m[4] };
}

/** Splits "['a', 'b=[1, 2]']" into its quoted items. */
function parseList(s: string): string[] {
  return [...s.matchAll(/'([^']*)'/g)].map((x) => x[1]!);
}

function int32Values(buf: Uint8Array): number[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return Array.from({ length: buf.length / 4 }, (_, i) => dv.getInt32(4 * i, true));
}

const ACT = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'];
const PAD = ['SAME', 'VALID'];
const pyBool = (b: boolean): string => (b ? 'True' : 'False');

/** The options part of an ops.txt line as the dump prints it, from our decoded options. */
function renderOptions(op: Operator): string {
  const o = op.builtinOptions;
  if (!o) return '';
  switch (o.kind) {
    case 'CallOnceOptions':
      return `init_subgraph_index=${o.initSubgraphIndex}`;
    case 'VarHandleOptions':
      return `container=b'${o.container}' shared_name=b'${o.sharedName}'`;
    case 'ConcatenationOptions':
      return `axis=${o.axis} act=${ACT[o.fusedActivation]}`;
    case 'StridedSliceOptions':
      return `begin_mask=${o.beginMask} end_mask=${o.endMask} ellipsis=${o.ellipsisMask} new_axis=${o.newAxisMask} shrink=${o.shrinkAxisMask} offset=${pyBool(o.offset)}`;
    case 'Conv2DOptions':
      return `pad=${PAD[o.padding]} stride=(${o.strideH},${o.strideW}) dil=(${o.dilationH},${o.dilationW}) act=${ACT[o.fusedActivation]}`;
    case 'DepthwiseConv2DOptions':
      return `pad=${PAD[o.padding]} stride=(${o.strideH},${o.strideW}) mult=${o.depthMultiplier} dil=(${o.dilationH},${o.dilationW}) act=${ACT[o.fusedActivation]}`;
    case 'SplitVOptions':
      return `num_splits=${o.numSplits}`;
    case 'FullyConnectedOptions':
      return `act=${ACT[o.fusedActivation]} wfmt=${o.weightsFormat} keep_num_dims=${pyBool(o.keepNumDims)} async=${pyBool(o.asymmetricQuantizeInputs)}`;
    default:
      return '';
  }
}

function checkTensorRef(m: TfliteModel, tensors: Tensor[], ref: string, where: string): number {
  const r = parseTensorRef(ref);
  const t = tensors[r.index];
  expect(t, where).toBeDefined();
  expect(t!.shape, `${where} t${r.index} shape`).toEqual(r.shape);
  expect(TensorType[t!.type].toLowerCase().startsWith(r.type), `${where} t${r.index} type ${TensorType[t!.type]} vs ${r.type}`).toBe(true);
  if (r.value !== undefined) {
    expect(t!.type).toBe(TensorType.INT32);
    const values = int32Values(m.buffers[t!.buffer]!);
    const shown = t!.shape.length === 0 ? String(values[0]) : `[${values.join(', ')}]`;
    expect(shown, `${where} t${r.index} value`).toBe(r.value);
  }
  return r.index;
}

function checkOpsListing(m: TfliteModel, text: string): void {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  let sg = -1;
  let count = 0;
  for (const line of lines) {
    const head = /^== subgraph (\d+) b'([^']*)' inputs=\[([^\]]*)\] outputs=\[([^\]]*)\]$/.exec(line);
    if (head) {
      sg = Number(head[1]);
      const s = m.subgraphs[sg]!;
      expect(s.name).toBe(head[2]);
      expect(s.inputs.join(',')).toBe(head[3]!.replace(/\s/g, ''));
      expect(s.outputs.join(',')).toBe(head[4]!.replace(/\s/g, ''));
      continue;
    }
    const list = String.raw`(\[(?:'[^']*'(?:, )?)*\])`;
    const opm = new RegExp(String.raw`^op(\d+)\s+(\S+)\s+in=${list} out=${list}\s?(.*)$`).exec(line);
    if (!opm) throw new Error(`unparsed ops.txt line: ${line}`);
    const where = `subgraph ${sg} ${line.slice(0, 30)}`;
    const s = m.subgraphs[sg]!;
    const op = s.operators[Number(opm[1])]!;
    expect(opName(opCodeOf(m, op)), where).toBe(opm[2]);
    const ins = parseList(opm[3]!).map((r) => checkTensorRef(m, s.tensors, r, where));
    const outs = parseList(opm[4]!).map((r) => checkTensorRef(m, s.tensors, r, where));
    expect(op.inputs, where).toEqual(ins);
    expect(op.outputs, where).toEqual(outs);
    expect(renderOptions(op), where).toBe(opm[5]!.trim());
    count++;
  }
  expect(count).toBe(m.subgraphs.reduce((n, s) => n + s.operators.length, 0));
}

// ---------------------------------------------------------------------------------- variants summary.txt

/** Half a unit in the last printed digit of a numpy-printed float ("0.00317056", "2.0954112e-06"). */
function printTolerance(s: string): number {
  const m = /^-?\d+(?:\.(\d+))?(?:e([-+]\d+))?$/.exec(s);
  if (!m) throw new Error(`cannot parse printed float ${s}`);
  return 0.5 * 10 ** (-(m[1]?.length ?? 0) + Number(m[2] ?? 0)) * (1 + 1e-9);
}

for (const variant of ['resid', 'spatial']) {
  describeShared(`readModel: golden/variants/${variant}/summary.txt`, () => {
    const m = load(sharedPath('golden', 'variants', variant, 'golden.tflite'));
    const text = readFileSync(sharedPath('golden', 'variants', variant, 'summary.txt'), 'utf8');

    it('has the tensor table of summary.txt (name, type, shape, buffer, size, quantization, variable)', () => {
      let sg = -1;
      let checked = 0;
      for (const line of text.split('\n')) {
        const head = /^--- subgraph (\d+) name=b'([^']*)' inputs=\[([^\]]*)\] outputs=\[([^\]]*)\] tensors=(\d+) ops=(\d+)/.exec(line);
        if (head) {
          sg = Number(head[1]);
          const s = m.subgraphs[sg]!;
          expect(s.name).toBe(head[2]);
          expect(s.tensors.length).toBe(Number(head[5]));
          expect(s.operators.length).toBe(Number(head[6]));
          continue;
        }
        const t = /^\s+t(\d+) (\S+) ([A-Z0-9]+) shape=\[([^\]]*)\] buf=(\d+)\((\d+)B\)\s+(?:q\(scale\[(\d+)\]=\[([^\]]*)\] zp=\[([^\]]*)\] dim=(-?\d+)\) )?var=(True|False)$/.exec(line);
        if (!t || sg < 0) continue;
        const tensor = m.subgraphs[sg]!.tensors[Number(t[1])]!;
        const where = `${variant} subgraph ${sg} t${t[1]}`;
        expect(tensor.name, where).toBe(t[2]);
        expect(TensorType[tensor.type], where).toBe(t[3]);
        const shape = t[4]!.trim() === '' ? [] : t[4]!.trim().split(/\s+/).map(Number);
        expect(tensor.shape, where).toEqual(shape);
        expect(tensor.buffer, where).toBe(Number(t[5]));
        expect(m.buffers[tensor.buffer]!.length, where).toBe(Number(t[6]));
        if (t[7] !== undefined) {
          const q = tensor.quantization!;
          expect(q.scale.length, where).toBe(Number(t[7]));
          const shown = t[8]!.trim().split(/\s+/);
          shown.forEach((v, i) => expect(Math.abs(q.scale[i]! - Number(v)), `${where} scale ${v}`).toBeLessThanOrEqual(printTolerance(v)));
          const shownZp = t[9]!.trim().split(/\s+/).map(Number);
          shownZp.forEach((v, i) => expect(q.zeroPoint[i], where).toBe(v));
          expect(q.quantizedDimension, where).toBe(Number(t[10]));
        } else {
          expect(tensor.quantization?.scale.length ?? 0, where).toBe(0);
        }
        expect(tensor.isVariable, where).toBe(t[11] === 'True');
        checked++;
      }
      expect(checked).toBe(m.subgraphs.reduce((n, s) => n + s.tensors.length, 0));
    });

    it('has the operator table of summary.txt (op, inputs, outputs, builtin options union type)', () => {
      let sg = -1;
      let checked = 0;
      for (const line of text.split('\n')) {
        const head = /^--- subgraph (\d+) /.exec(line);
        if (head) sg = Number(head[1]);
        const o = /^\s+op(\d+) (\S+) in=\[([^\]]*)\] out=\[([^\]]*)\] opt=(\d+)$/.exec(line);
        if (!o || sg < 0) continue;
        const op = m.subgraphs[sg]!.operators[Number(o[1])]!;
        const where = `${variant} subgraph ${sg} op${o[1]}`;
        const ints = (s: string): number[] => (s.trim() === '' ? [] : s.trim().split(/\s+/).map(Number));
        expect(opName(opCodeOf(m, op)), where).toBe(o[2]);
        expect(op.inputs, where).toEqual(ints(o[3]!));
        expect(op.outputs, where).toEqual(ints(o[4]!));
        const type = op.builtinOptions ? OPTIONS_TYPE[op.builtinOptions.kind] : 0;
        // The empty option tables (READ/ASSIGN_VARIABLE, QUANTIZE...) are not written by this converter.
        expect(type, where).toBe(Number(o[5]));
        checked++;
      }
      expect(checked).toBe(m.subgraphs.reduce((n, s) => n + s.operators.length, 0));
    });

    it('has the op lists and counts of summary.txt', () => {
      const lists = [...text.matchAll(/op list: (.*)/g)].map((x) => x[1]!.split(','));
      expect(lists.length).toBe(2);
      lists.forEach((names, sg) => expect(m.subgraphs[sg]!.operators.map((op) => opName(opCodeOf(m, op)))).toEqual(names));
    });
  });
}

describeShared('readModelFile', () => {
  it('reads a model from disk with its bytes and path', async () => {
    const p = sharedPath('models', 'vad.tflite');
    const r = await readModelFile(p);
    expect(r.path).toBe(p);
    expect(r.bytes.length).toBe(readFileSync(p).length);
    expect(r.model.subgraphs[0]!.operators.length).toBe(32);
  });
});
