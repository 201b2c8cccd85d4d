/**
 * Serializes a TfliteModel into a `.tflite` FlatBuffer with file identifier "TFL3", writing every field the
 * reader reads. Layout choices follow TensorFlow's converter where they matter to a runtime: buffer data
 * 16-byte aligned (schema `force_align: 16`), every tensor carrying a (possibly empty) quantization table,
 * OperatorCode with both the deprecated int8 code (capped at 127, PLACEHOLDER_FOR_GREATER_OP_CODES) and the
 * int32 code, and VAR_HANDLE names written even when empty.
 */
import { Builder, type Offset } from 'flatbuffers';
import { OPTIONS_TYPE, optionFields } from './options.js';
import { TFLITE_FILE_IDENTIFIER } from './reader.js';
import type {
  BuiltinOptions,
  Metadata,
  Operator,
  OperatorCode,
  Quantization,
  SignatureDef,
  Subgraph,
  Tensor,
  TfliteModel,
} from './model.js';

const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;
const BUFFER_ALIGNMENT = 16;

export function writeModel(model: TfliteModel): Uint8Array {
  const dataBytes = model.buffers.reduce((n, b) => n + b.length + BUFFER_ALIGNMENT, 0);
  const b = new Builder(dataBytes + 64 * 1024);

  // Children before parents: FlatBuffers are built back to front. Buffers first so they end up at the end.
  const buffers = vectorOfOffsets(b, model.buffers.map((data) => writeBuffer(b, data)));
  const signatureDefs = vectorOfOffsets(b, model.signatureDefs.map((s) => writeSignature(b, s)));
  const metadata = vectorOfOffsets(b, model.metadata.map((m) => writeMetadata(b, m)));
  const subgraphs = vectorOfOffsets(b, model.subgraphs.map((s) => writeSubgraph(b, s)));
  const operatorCodes = vectorOfOffsets(b, model.operatorCodes.map((c) => writeOperatorCode(b, c)));
  const description = b.createString(model.description);

  b.startObject(8);
  b.addFieldInt32(0, model.version, 0);
  b.addFieldOffset(1, operatorCodes, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffers, 0);
  b.addFieldOffset(6, metadata, 0);
  b.addFieldOffset(7, signatureDefs, 0);
  const root = b.endObject();
  b.finish(root, TFLITE_FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}

// ------------------------------------------------------------------------------------------------ vectors

function vectorOfOffsets(b: Builder, offsets: Offset[]): Offset {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}

function int32Vector(b: Builder, values: readonly number[]): Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
  return b.endVector();
}

function float32Vector(b: Builder, values: readonly number[]): Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]!);
  return b.endVector();
}

function int64Vector(b: Builder, values: readonly number[]): Offset {
  b.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i]!));
  return b.endVector();
}

/** A [ubyte] vector whose first element is `align`-byte aligned in the finished file. */
function alignedByteVector(b: Builder, data: Uint8Array, align: number): Offset {
  // Pad so that the position after the `data.length` bytes is aligned; createByteVector's own 4-byte prep then
  // adds nothing, and finish() pads the whole buffer to the largest alignment used.
  b.prep(align, data.length);
  return b.createByteVector(data);
}

// ------------------------------------------------------------------------------------------------- tables

function writeBuffer(b: Builder, data: Uint8Array): Offset {
  const dataOffset = data.length > 0 ? alignedByteVector(b, data, BUFFER_ALIGNMENT) : 0;
  b.startObject(3);
  b.addFieldOffset(0, dataOffset, 0);
  return b.endObject();
}

function writeMetadata(b: Builder, m: Metadata): Offset {
  const name = b.createString(m.name);
  b.startObject(2);
  b.addFieldOffset(0, name, 0);
  b.addFieldInt32(1, m.buffer, 0);
  return b.endObject();
}

function writeSignature(b: Builder, s: SignatureDef): Offset {
  const maps = (list: SignatureDef['inputs']): Offset =>
    vectorOfOffsets(
      b,
      list.map((tm) => {
        const name = b.createString(tm.name);
        b.startObject(2);
        b.addFieldOffset(0, name, 0);
        b.addFieldInt32(1, tm.tensorIndex, 0);
        return b.endObject();
      }),
    );
  const inputs = maps(s.inputs);
  const outputs = maps(s.outputs);
  const key = b.createString(s.signatureKey);
  b.startObject(5);
  b.addFieldOffset(0, inputs, 0);
  b.addFieldOffset(1, outputs, 0);
  b.addFieldOffset(2, key, 0);
  b.addFieldInt32(4, s.subgraphIndex, 0);
  return b.endObject();
}

function writeOperatorCode(b: Builder, c: OperatorCode): Offset {
  const custom = c.customCode !== undefined ? b.createString(c.customCode) : 0;
  b.startObject(4);
  b.addFieldInt8(0, Math.min(c.builtinCode, PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
  b.addFieldOffset(1, custom, 0);
  b.addFieldInt32(2, c.version, 1);
  b.addFieldInt32(3, c.builtinCode, 0);
  return b.endObject();
}

function writeSubgraph(b: Builder, s: Subgraph): Offset {
  const tensors = vectorOfOffsets(b, s.tensors.map((t) => writeTensor(b, t)));
  const inputs = int32Vector(b, s.inputs);
  const outputs = int32Vector(b, s.outputs);
  const operators = vectorOfOffsets(b, s.operators.map((op) => writeOperator(b, op)));
  const name = b.createString(s.name);
  b.startObject(5);
  b.addFieldOffset(0, tensors, 0);
  b.addFieldOffset(1, inputs, 0);
  b.addFieldOffset(2, outputs, 0);
  b.addFieldOffset(3, operators, 0);
  b.addFieldOffset(4, name, 0);
  return b.endObject();
}

function writeTensor(b: Builder, t: Tensor): Offset {
  const shape = int32Vector(b, t.shape);
  const name = b.createString(t.name);
  const quantization = writeQuantization(b, t.quantization);
  const signature = t.shapeSignature !== undefined ? int32Vector(b, t.shapeSignature) : 0;
  b.startObject(9);
  b.addFieldOffset(0, shape, 0);
  b.addFieldInt8(1, t.type, 0);
  b.addFieldInt32(2, t.buffer, 0);
  b.addFieldOffset(3, name, 0);
  b.addFieldOffset(4, quantization, 0);
  b.addFieldInt8(5, t.isVariable ? 1 : 0, 0);
  b.addFieldOffset(7, signature, 0);
  b.addFieldInt8(8, t.hasRank ? 1 : 0, 0);
  return b.endObject();
}

function writeQuantization(b: Builder, q: Quantization | undefined): Offset {
  const min = q?.min !== undefined ? float32Vector(b, q.min) : 0;
  const max = q?.max !== undefined ? float32Vector(b, q.max) : 0;
  const scale = q && q.scale.length > 0 ? float32Vector(b, q.scale) : 0;
  const zeroPoint = q && q.zeroPoint.length > 0 ? int64Vector(b, q.zeroPoint) : 0;
  b.startObject(7);
  b.addFieldOffset(0, min, 0);
  b.addFieldOffset(1, max, 0);
  b.addFieldOffset(2, scale, 0);
  b.addFieldOffset(3, zeroPoint, 0);
  b.addFieldInt32(6, q?.quantizedDimension ?? 0, 0);
  return b.endObject();
}

function writeOperator(b: Builder, op: Operator): Offset {
  const inputs = int32Vector(b, op.inputs);
  const outputs = int32Vector(b, op.outputs);
  const intermediates = op.intermediates !== undefined ? int32Vector(b, op.intermediates) : 0;
  const custom = op.customOptions !== undefined ? b.createByteVector(op.customOptions) : 0;
  const options = op.builtinOptions ? writeOptions(b, op.builtinOptions) : 0;
  b.startObject(9);
  b.addFieldInt32(0, op.opcodeIndex, 0);
  b.addFieldOffset(1, inputs, 0);
  b.addFieldOffset(2, outputs, 0);
  if (op.builtinOptions) b.addFieldInt8(3, OPTIONS_TYPE[op.builtinOptions.kind], 0);
  b.addFieldOffset(4, options, 0);
  b.addFieldOffset(5, custom, 0);
  b.addFieldOffset(8, intermediates, 0);
  return b.endObject();
}

/** An options table, field by field as options.ts lays it out (vectors and strings first: children before parents). */
function writeOptions(b: Builder, o: BuiltinOptions): Offset {
  const fields = optionFields(o.kind);
  const values = o as unknown as Record<string, number | boolean | string | number[]>;
  const children = fields.map((f) =>
    f.type === 'i32s' ? int32Vector(b, values[f.key] as number[]) : f.type === 'string' ? b.createString(values[f.key] as string) : 0,
  );
  b.startObject(fields.length === 0 ? 0 : fields[fields.length - 1]!.id + 1);
  fields.forEach((f, i) => {
    const v = values[f.key];
    const dflt = f.dflt ?? 0;
    if (f.type === 'i8' || f.type === 'bool') b.addFieldInt8(f.id, Number(v), dflt);
    else if (f.type === 'i32') b.addFieldInt32(f.id, v as number, dflt);
    else b.addFieldOffset(f.id, children[i]!, 0);
  });
  return b.endObject();
}
