import { readFileSync } from 'node:fs';
import { ByteBuffer } from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { allSharedModels } from './shared-models.js';
import { readModel } from '../../src/tflite/reader.js';
import { writeModel } from '../../src/tflite/writer.js';
import { FlatView } from '../../src/tflite/flatview.js';
import { OPTIONS_TYPE } from '../../src/tflite/options.js';
import { Activation, BuiltinOp, Padding, TensorType, type BuiltinOptions, type TfliteModel } from '../../src/tflite/model.js';

/** Absolute positions of every non-empty Buffer.data vector's first byte. */
function bufferDataPositions(bytes: Uint8Array): number[] {
  const v = new FlatView(bytes, 'rewritten');
  const root = v.table(v.deref(0, 'header', 'root'), 'model');
  return v
    .fieldTables(root, 4, 'buffers', (i) => `buffer ${i}`)
    .map((t) => v.fieldVector(t, 0, 1, 'data'))
    .filter((d) => d !== undefined && d.length > 0)
    .map((d) => d!.start);
}

describeShared('writeModel: round trip of every shared model', () => {
  for (const file of allSharedModels()) {
    const short = file.slice(sharedPath().length + 1);
    it(`read → write → read is identical for ${short}`, () => {
      const original = new Uint8Array(readFileSync(file));
      const model = readModel(original, file);
      const bytes = writeModel(model);
      const again = readModel(bytes, `${short} (rewritten)`);
      // Buffers compared as bytes (fast); everything else structurally, including absent optional fields.
      expect({ ...again, buffers: [] }).toStrictEqual({ ...model, buffers: [] });
      expect(again.buffers.length).toBe(model.buffers.length);
      again.buffers.forEach((b, i) => expect(Buffer.from(b).equals(Buffer.from(model.buffers[i]!)), `buffer ${i}`).toBe(true));
      // Writing is deterministic: the same model gives the same bytes.
      expect(Buffer.from(writeModel(again)).equals(Buffer.from(bytes))).toBe(true);
      // About the size TF's converter produced (same content, different padding and sharing).
      expect(Math.abs(bytes.length - original.length)).toBeLessThan(original.length * 0.02);
    });
  }

  it('aligns every buffer data vector to 16 bytes, as TF does (schema force_align: 16)', () => {
    const model = readModel(new Uint8Array(readFileSync(sharedPath('models', 'okay_nabu.tflite'))));
    const bytes = writeModel(model);
    const positions = bufferDataPositions(bytes);
    expect(positions.length).toBe(model.buffers.filter((b) => b.length > 0).length);
    for (const p of positions) expect(p % 16).toBe(0);
  });

  it('writes the "TFL3" identifier and a root the flatbuffers library itself accepts', () => {
    const model = readModel(new Uint8Array(readFileSync(sharedPath('models', 'vad.tflite'))));
    const bytes = writeModel(model);
    const bb = new ByteBuffer(bytes);
    expect(bb.__has_identifier('TFL3')).toBe(true);
    const root = bb.readInt32(0) + 0;
    // Model.version (field 0) through the library's own vtable lookup.
    const vtOff = bb.__offset(root, 4);
    expect(vtOff).not.toBe(0);
    expect(bb.readUint32(root + vtOff)).toBe(3);
  });
});

// ----------------------------------------------------------------------------------- synthetic coverage

/** One operator per builtin-options kind, with non-default values everywhere, so every field id is exercised. */
function syntheticModel(): TfliteModel {
  const options: { code: BuiltinOp; o: BuiltinOptions }[] = [
    { code: BuiltinOp.CONV_2D, o: { kind: 'Conv2DOptions', padding: Padding.VALID, strideW: 2, strideH: 3, fusedActivation: Activation.RELU6, dilationW: 4, dilationH: 5 } },
    { code: BuiltinOp.DEPTHWISE_CONV_2D, o: { kind: 'DepthwiseConv2DOptions', padding: Padding.VALID, strideW: 2, strideH: 3, depthMultiplier: 7, fusedActivation: Activation.RELU, dilationW: 4, dilationH: 5 } },
    { code: BuiltinOp.MAX_POOL_2D, o: { kind: 'Pool2DOptions', padding: Padding.VALID, strideW: 2, strideH: 3, filterWidth: 4, filterHeight: 5, fusedActivation: Activation.TANH } },
    { code: BuiltinOp.FULLY_CONNECTED, o: { kind: 'FullyConnectedOptions', fusedActivation: Activation.RELU_N1_TO_1, weightsFormat: 1, keepNumDims: true, asymmetricQuantizeInputs: true } },
    { code: BuiltinOp.CONCATENATION, o: { kind: 'ConcatenationOptions', axis: -1, fusedActivation: Activation.RELU } },
    { code: BuiltinOp.ADD, o: { kind: 'AddOptions', fusedActivation: Activation.RELU, potScaleInt16: false } },
    { code: BuiltinOp.RESHAPE, o: { kind: 'ReshapeOptions', newShape: [-1, 384] } },
    { code: BuiltinOp.MUL, o: { kind: 'MulOptions', fusedActivation: Activation.SIGN_BIT } },
    { code: BuiltinOp.PAD, o: { kind: 'PadOptions' } },
    { code: BuiltinOp.MEAN, o: { kind: 'ReducerOptions', keepDims: true } },
    { code: BuiltinOp.STRIDED_SLICE, o: { kind: 'StridedSliceOptions', beginMask: 13, endMask: 15, ellipsisMask: 1, newAxisMask: 2, shrinkAxisMask: 4, offset: true } },
    { code: BuiltinOp.PACK, o: { kind: 'PackOptions', valuesCount: 3, axis: 1 } },
    { code: BuiltinOp.SPLIT_V, o: { kind: 'SplitVOptions', numSplits: 2 } },
    { code: BuiltinOp.QUANTIZE, o: { kind: 'QuantizeOptions' } },
    { code: BuiltinOp.CALL_ONCE, o: { kind: 'CallOnceOptions', initSubgraphIndex: 1 } },
    { code: BuiltinOp.VAR_HANDLE, o: { kind: 'VarHandleOptions', container: 'c', sharedName: 'stream/states' } },
    { code: BuiltinOp.READ_VARIABLE, o: { kind: 'ReadVariableOptions' } },
    { code: BuiltinOp.ASSIGN_VARIABLE, o: { kind: 'AssignVariableOptions' } },
  ];
  const weights = new Uint8Array(3 * 40).map((_, i) => (i * 37) & 0xff);
  return {
    version: 3,
    description: 'synthetic ✓',
    operatorCodes: [
      ...options.map((x, i) => ({ builtinCode: x.code, version: i + 1 })),
      { builtinCode: 32, customCode: 'MyCustomOp', version: 1 },
    ],
    subgraphs: [
      {
        name: 'main',
        tensors: [
          {
            name: 'in',
            type: TensorType.INT8,
            shape: [1, 3, 40],
            shapeSignature: [-1, 3, 40],
            buffer: 0,
            quantization: { scale: [Math.fround(26 / 255)], zeroPoint: [-128], quantizedDimension: 0 },
            isVariable: false,
            hasRank: true,
          },
          {
            name: 'w',
            type: TensorType.INT8,
            shape: [3, 1, 1, 40],
            buffer: 1,
            quantization: { scale: [0.5, 0.25, 0.125], zeroPoint: [0, 0, 0], quantizedDimension: 0 },
            isVariable: false,
          },
          { name: 'float', type: TensorType.FLOAT32, shape: [2], buffer: 2, quantization: { scale: [], zeroPoint: [], min: [-1.5], max: [2.5], quantizedDimension: 0 }, isVariable: true },
          { name: 'scalar', type: TensorType.INT32, shape: [], buffer: 0, isVariable: false, hasRank: true },
        ],
        inputs: [0],
        outputs: [3],
        operators: [
          ...options.map((x, i) => ({ opcodeIndex: i, inputs: [0, -1, 1], outputs: [3], builtinOptions: x.o })),
          { opcodeIndex: options.length, inputs: [0], outputs: [2], intermediates: [1], builtinOptions: null, customOptions: new Uint8Array([1, 2, 3]) },
        ],
      },
      { name: 'NoOp', tensors: [], inputs: [], outputs: [], operators: [] },
    ],
    buffers: [new Uint8Array(0), weights, new Uint8Array(new Float32Array([0.5, -2]).buffer), new Uint8Array([9])],
    metadata: [{ name: 'min_runtime_version', buffer: 3 }],
    signatureDefs: [
      { inputs: [{ name: 'input_audio', tensorIndex: 0 }], outputs: [{ name: 'dense', tensorIndex: 3 }], signatureKey: 'serving_default', subgraphIndex: 0 },
    ],
  };
}

describe('writeModel: synthetic model with every options kind', () => {
  it('round-trips every field the reader reads', () => {
    const model = syntheticModel();
    expect(readModel(writeModel(model), 'synthetic')).toStrictEqual(model);
  });

  it('covers every kind of the BuiltinOptions union model.ts declares', () => {
    const kinds = new Set(syntheticModel().subgraphs[0]!.operators.flatMap((op) => (op.builtinOptions ? [op.builtinOptions.kind] : [])));
    expect([...kinds].sort()).toEqual(Object.keys(OPTIONS_TYPE).sort());
  });

  it('writes deprecated_builtin_code capped at 127 and the full builtin_code', () => {
    const bytes = writeModel(syntheticModel());
    const v = new FlatView(bytes, 'synthetic');
    const root = v.table(v.deref(0, 'header', 'root'), 'model');
    const codes = v.fieldTables(root, 1, 'operator_codes', (i) => `operator code ${i}`);
    const varHandle = codes[15]!; // VAR_HANDLE = 142
    expect(v.fieldI8(varHandle, 0, 'deprecated_builtin_code')).toBe(127);
    expect(v.fieldI32(varHandle, 3, 'builtin_code')).toBe(142);
    const conv = codes[0]!;
    expect(v.fieldI8(conv, 0, 'deprecated_builtin_code')).toBe(3);
    expect(v.fieldI32(conv, 3, 'builtin_code')).toBe(3);
  });
});
