/**
 * Decodes a `.tflite` FlatBuffer into the plain TfliteModel of model.ts.
 *
 * Two passes: `decode*` walks the FlatBuffer through a bounds-checked FlatView (structure: offsets, vtables,
 * vector lengths), then `checkModel` checks what the structure refers to (tensor, buffer, opcode, subgraph
 * indices; shapes; quantization). Either way a malformed file gives an MwwError of kind 'input' whose `where`
 * names the file and the place inside it, e.g. "model.tflite: subgraph 0, operator 17".
 *
 * Field ids follow the declaration order of each table in TFLite's schema.fbs.
 */
import { MwwError, isMwwError } from '../errors.js';
import { FlatView, type FbTable } from './flatview.js';
import { decodeOptions, optionsKindOfType } from './options.js';
import {
  TensorType,
  tensorTypeSize,
  type Metadata,
  type Operator,
  type OperatorCode,
  type Quantization,
  type SignatureDef,
  type Subgraph,
  type Tensor,
  type TensorMap,
  type TfliteModel,
} from './model.js';

export const TFLITE_FILE_IDENTIFIER = 'TFL3';

/** Decodes and checks a whole model. `source` names the file in error messages. */
export function readModel(bytes: Uint8Array, source = 'model'): TfliteModel {
  checkHeader(bytes, source);
  const view = new FlatView(bytes, source);
  let model: TfliteModel;
  try {
    model = decodeModel(view);
    checkModel(model, view);
  } catch (e) {
    if (isMwwError(e)) throw e;
    // Every read is range-checked first, so this is a gap in those checks; still report it as a bad file
    // with its location rather than letting a RangeError/TypeError escape.
    const err = e as Error;
    throw new MwwError('input', `malformed TFLite flatbuffer (unexpected ${err.name}: ${err.message})`, { where: source, cause: e });
  }
  return model;
}

function checkHeader(bytes: Uint8Array, source: string): void {
  if (bytes.byteLength === 0) {
    throw new MwwError('input', 'empty file (0 bytes), expected a TFLite model', { where: source });
  }
  if (bytes.byteLength < 8) {
    throw new MwwError('input', `file is ${bytes.byteLength} bytes, shorter than the 8-byte TFLite FlatBuffer header`, { where: source });
  }
  const ident = bytes.subarray(4, 8);
  const identText = String.fromCharCode(...ident);
  if (identText !== TFLITE_FILE_IDENTIFIER) {
    const shown = /^[\x20-\x7e]{4}$/.test(identText)
      ? `"${identText}"`
      : Array.from(ident, (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new MwwError('input', `not a TFLite model: file identifier (bytes 4-7) is ${shown}, expected "${TFLITE_FILE_IDENTIFIER}"${likelyKind(bytes)}`, {
      where: source,
    });
  }
}

/** A hint for the common mix-ups: a recording, a manifest or a Keras/HDF5 checkpoint given where the .tflite belongs. */
function likelyKind(bytes: Uint8Array): string {
  const head = String.fromCharCode(...bytes.subarray(0, 12));
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WAVE') return ' (this is a WAV recording)';
  if (head.startsWith('\x89HDF')) return ' (this is an HDF5/Keras file: convert it with `mww convert`)';
  if (/^\s*[{[]/.test(head)) return ' (this looks like JSON, e.g. a manifest: give the .tflite it names)';
  return '';
}

// ---------------------------------------------------------------------------------------------- structure

function decodeModel(v: FlatView): TfliteModel {
  const rootPos = v.deref(0, 'header', 'root table offset');
  const root = v.table(rootPos, 'model');

  const operatorCodes = v.fieldTables(root, 1, 'operator_codes', (i) => `operator code ${i}`).map((t) => decodeOperatorCode(v, t));
  const subgraphs = v.fieldTables(root, 2, 'subgraphs', (i) => `subgraph ${i}`).map((t, i) => decodeSubgraph(v, t, i));
  const buffers = v.fieldTables(root, 4, 'buffers', (i) => `buffer ${i}`).map((t) => decodeBuffer(v, t));
  const metadata = v.fieldTables(root, 6, 'metadata', (i) => `metadata ${i}`).map(
    (t): Metadata => ({ name: v.fieldString(t, 0, 'name') ?? '', buffer: v.fieldU32(t, 1, 'buffer') }),
  );
  const signatureDefs = v.fieldTables(root, 7, 'signature_defs', (i) => `signature ${i}`).map((t) => decodeSignature(v, t));

  return {
    version: v.fieldU32(root, 0, 'version'),
    description: v.fieldString(root, 3, 'description') ?? '',
    operatorCodes,
    subgraphs,
    buffers,
    metadata,
    signatureDefs,
  };
}

function decodeOperatorCode(v: FlatView, t: FbTable): OperatorCode {
  // TFLM's GetBuiltinCode: the larger of the old int8 field and the new int32 field.
  const deprecated = v.fieldI8(t, 0, 'deprecated_builtin_code');
  const builtin = v.fieldI32(t, 3, 'builtin_code');
  const code: OperatorCode = { builtinCode: Math.max(deprecated, builtin), version: v.fieldI32(t, 2, 'version', 1) };
  const custom = v.fieldString(t, 1, 'custom_code');
  if (custom !== undefined) code.customCode = custom;
  return code;
}

function decodeSubgraph(v: FlatView, t: FbTable, index: number): Subgraph {
  const tensors = v.fieldTables(t, 0, 'tensors', (i) => `subgraph ${index}, tensor ${i}`).map((tt) => decodeTensor(v, tt));
  const operators = v.fieldTables(t, 3, 'operators', (i) => `subgraph ${index}, operator ${i}`).map((ot) => decodeOperator(v, ot));
  return {
    name: v.fieldString(t, 4, 'name') ?? '',
    tensors,
    inputs: v.fieldI32Array(t, 1, 'inputs') ?? [],
    outputs: v.fieldI32Array(t, 2, 'outputs') ?? [],
    operators,
  };
}

function decodeTensor(v: FlatView, t: FbTable): Tensor {
  const tensor: Tensor = {
    name: v.fieldString(t, 3, 'name') ?? '',
    type: v.fieldI8(t, 1, 'type') as TensorType,
    shape: v.fieldI32Array(t, 0, 'shape') ?? [],
    buffer: v.fieldU32(t, 2, 'buffer'),
    isVariable: v.fieldBool(t, 5, 'is_variable'),
  };
  const signature = v.fieldI32Array(t, 7, 'shape_signature');
  if (signature !== undefined) tensor.shapeSignature = signature;
  if (v.fieldBool(t, 8, 'has_rank')) tensor.hasRank = true;
  const q = v.fieldTable(t, 4, 'quantization', `${t.where}, quantization`);
  if (q) {
    const quant = decodeQuantization(v, q);
    if (quant) tensor.quantization = quant;
  }
  if (v.fieldRef(t, 6, 'sparsity') !== 0) {
    throw new MwwError('unsupported', 'sparse tensors are not supported (TFLM and ESPHome cannot run them)', {
      where: `${v.source}: ${t.where}`,
    });
  }
  return tensor;
}

/** Undefined when the table carries no parameters at all (TF writes an empty table for float tensors). */
function decodeQuantization(v: FlatView, t: FbTable): Quantization | undefined {
  const min = v.fieldF32Array(t, 0, 'min');
  const max = v.fieldF32Array(t, 1, 'max');
  const scale = v.fieldF32Array(t, 2, 'scale');
  const zeroPoint = v.fieldI64Array(t, 3, 'zero_point');
  const quantizedDimension = v.fieldI32(t, 6, 'quantized_dimension');
  if (v.fieldU8(t, 4, 'details_type') !== 0) {
    throw new MwwError('unsupported', 'custom quantization details are not supported', { where: `${v.source}: ${t.where}` });
  }
  const empty = (a: number[] | undefined): boolean => a === undefined || a.length === 0;
  if (empty(min) && empty(max) && empty(scale) && empty(zeroPoint) && quantizedDimension === 0) return undefined;
  const q: Quantization = { scale: scale ?? [], zeroPoint: zeroPoint ?? [], quantizedDimension };
  if (!empty(min)) q.min = min;
  if (!empty(max)) q.max = max;
  return q;
}

function decodeOperator(v: FlatView, t: FbTable): Operator {
  const optionsType = v.fieldU8(t, 3, 'builtin_options_type');
  const kind = optionsKindOfType(optionsType);
  let builtinOptions: Operator['builtinOptions'] = null;
  if (kind !== undefined) {
    const ot = v.fieldTable(t, 4, 'builtin_options', `${t.where}, builtin options`);
    // A type tag without its table: TFLM then parses the defaults, which is what an empty table gives too.
    builtinOptions = ot ? decodeOptions(v, kind, ot) : decodeOptions(v, kind, emptyTable(t));
  }
  const op: Operator = {
    opcodeIndex: v.fieldU32(t, 0, 'opcode_index'),
    inputs: v.fieldI32Array(t, 1, 'inputs') ?? [],
    outputs: v.fieldI32Array(t, 2, 'outputs') ?? [],
    builtinOptions,
  };
  const intermediates = v.fieldI32Array(t, 8, 'intermediates');
  if (intermediates !== undefined && intermediates.length > 0) op.intermediates = intermediates;
  const custom = v.fieldBytes(t, 5, 'custom_options');
  if (custom !== undefined) {
    op.customOptions = custom;
  } else {
    const large = readLargeData(v, t, 9, 10, 'large_custom_options');
    if (large) op.customOptions = large;
  }
  return op;
}

/** A table view with no fields: every read yields the schema default. */
function emptyTable(parent: FbTable): FbTable {
  return { pos: parent.pos, vtable: parent.vtable, vtableSize: 4, objectSize: 4, where: parent.where };
}

function decodeBuffer(v: FlatView, t: FbTable): Uint8Array {
  const data = v.fieldBytes(t, 0, 'data');
  if (data !== undefined && data.length > 0) return data;
  return readLargeData(v, t, 1, 2, 'buffer') ?? new Uint8Array(0);
}

/**
 * Data stored after the FlatBuffer (models > 2 GB layout, also used for custom options): an absolute file
 * offset and a size, valid when offset > 1.
 */
function readLargeData(v: FlatView, t: FbTable, offsetId: number, sizeId: number, what: string): Uint8Array | undefined {
  const offset = v.fieldU64(t, offsetId, `${what} offset`);
  if (offset <= 1n) return undefined;
  const size = v.fieldU64(t, sizeId, `${what} size`);
  if (offset + size > BigInt(v.size)) {
    v.fail(t.where, `${what} data at offset ${offset} (${size} bytes) lies outside the file (${v.size} bytes)`);
  }
  return v.bytes.slice(Number(offset), Number(offset + size));
}

function decodeSignature(v: FlatView, t: FbTable): SignatureDef {
  const maps = (id: number, name: string): TensorMap[] =>
    v.fieldTables(t, id, name, (i) => `${t.where}, ${name} ${i}`).map((mt) => ({
      name: v.fieldString(mt, 0, 'name') ?? '',
      tensorIndex: v.fieldU32(mt, 1, 'tensor_index'),
    }));
  return {
    inputs: maps(0, 'inputs'),
    outputs: maps(1, 'outputs'),
    signatureKey: v.fieldString(t, 2, 'signature_key') ?? '',
    subgraphIndex: v.fieldU32(t, 4, 'subgraph_index'),
  };
}

// ------------------------------------------------------------------------------------------- references

/** Fixed-size element types whose constant buffers must hold exactly elements × size bytes. */
const FIXED_SIZE_TYPES: ReadonlySet<TensorType> = new Set([
  TensorType.FLOAT32, TensorType.FLOAT16, TensorType.INT32, TensorType.UINT8, TensorType.INT64, TensorType.BOOL,
  TensorType.INT16, TensorType.COMPLEX64, TensorType.INT8, TensorType.FLOAT64, TensorType.COMPLEX128,
  TensorType.UINT64, TensorType.UINT32, TensorType.UINT16,
]);

function checkModel(m: TfliteModel, v: FlatView): void {
  const fail = (where: string, msg: string): never => v.fail(where, msg);
  if (m.subgraphs.length === 0) fail('model', 'the model has no subgraphs');
  if (m.buffers.length === 0) fail('model', 'the model has no buffers (buffer 0, the empty sentinel, is required)');

  m.operatorCodes.forEach((c, i) => {
    if (c.builtinCode < 0) fail(`operator code ${i}`, `builtin code ${c.builtinCode} is negative`);
  });

  m.subgraphs.forEach((sg, si) => {
    const nT = sg.tensors.length;
    const tensorRef = (where: string, what: string, idx: number, allowOmitted: boolean): void => {
      if (allowOmitted && idx === -1) return;
      if (!Number.isInteger(idx) || idx < 0 || idx >= nT) {
        fail(where, `${what} tensor index ${idx} out of range (${nT} tensors)`);
      }
    };
    sg.inputs.forEach((t) => tensorRef(`subgraph ${si}`, 'input', t, false));
    sg.outputs.forEach((t) => tensorRef(`subgraph ${si}`, 'output', t, false));

    sg.tensors.forEach((t, ti) => checkTensor(m, t, `subgraph ${si}, tensor ${ti}`, fail));

    sg.operators.forEach((op, oi) => {
      const where = `subgraph ${si}, operator ${oi}`;
      if (op.opcodeIndex >= m.operatorCodes.length) {
        fail(where, `opcode index ${op.opcodeIndex} out of range (${m.operatorCodes.length} operator codes)`);
      }
      op.inputs.forEach((t) => tensorRef(where, 'input', t, true));
      op.outputs.forEach((t) => tensorRef(where, 'output', t, false));
      op.intermediates?.forEach((t) => tensorRef(where, 'intermediate', t, false));
      const o = op.builtinOptions;
      if (o?.kind === 'CallOnceOptions' && (o.initSubgraphIndex < 0 || o.initSubgraphIndex >= m.subgraphs.length)) {
        fail(where, `CALL_ONCE init_subgraph_index ${o.initSubgraphIndex} out of range (${m.subgraphs.length} subgraphs)`);
      }
    });
  });

  m.metadata.forEach((md, i) => {
    if (md.buffer >= m.buffers.length) {
      fail(`metadata ${i} ('${md.name}')`, `buffer index ${md.buffer} out of range (${m.buffers.length} buffers)`);
    }
  });

  m.signatureDefs.forEach((s, i) => {
    const where = `signature ${i} ('${s.signatureKey}')`;
    const sg = m.subgraphs[s.subgraphIndex];
    if (!sg) {
      fail(where, `subgraph index ${s.subgraphIndex} out of range (${m.subgraphs.length} subgraphs)`);
      return;
    }
    for (const [list, what] of [[s.inputs, 'input'], [s.outputs, 'output']] as const) {
      for (const tm of list) {
        if (tm.tensorIndex >= sg.tensors.length) {
          fail(where, `${what} '${tm.name}' tensor index ${tm.tensorIndex} out of range (${sg.tensors.length} tensors in subgraph ${s.subgraphIndex})`);
        }
      }
    }
  });
}

function checkTensor(m: TfliteModel, t: Tensor, where: string, fail: (where: string, msg: string) => never): void {
  const label = `${where} ('${t.name}')`;
  if (!(t.type in TensorType) || typeof TensorType[t.type] !== 'string') fail(label, `unknown tensor type ${t.type}`);
  t.shape.forEach((d, i) => {
    if (d < 0) fail(label, `shape [${t.shape.join(', ')}] has a negative dimension ${d} at axis ${i}`);
  });
  t.shapeSignature?.forEach((d, i) => {
    if (d < -1) fail(label, `shape_signature [${t.shapeSignature!.join(', ')}] has an invalid dimension ${d} at axis ${i}`);
  });
  if (t.buffer >= m.buffers.length) fail(label, `buffer index ${t.buffer} out of range (${m.buffers.length} buffers)`);

  const data = m.buffers[t.buffer]!;
  if (data.length > 0 && FIXED_SIZE_TYPES.has(t.type)) {
    const elements = t.shape.reduce((a, b) => a * b, 1);
    const expected = elements * tensorTypeSize(t.type);
    if (data.length !== expected) {
      fail(
        label,
        `buffer ${t.buffer} holds ${data.length} bytes, but shape [${t.shape.join(', ')}] of ${TensorType[t.type]} needs ${expected}`,
      );
    }
  }

  const q = t.quantization;
  if (q) {
    if (q.scale.length !== q.zeroPoint.length) {
      fail(label, `quantization has ${q.scale.length} scales but ${q.zeroPoint.length} zero points`);
    }
    if ((q.min?.length ?? 0) !== (q.max?.length ?? 0)) {
      fail(label, `quantization has ${q.min?.length ?? 0} min values but ${q.max?.length ?? 0} max values`);
    }
    if (q.scale.length > 1) {
      const qd = q.quantizedDimension;
      if (qd < 0 || qd >= t.shape.length) {
        fail(label, `quantized_dimension ${qd} is not an axis of shape [${t.shape.join(', ')}]`);
      }
      if (t.shape[qd] !== q.scale.length) {
        fail(label, `per-channel quantization has ${q.scale.length} scales, but axis ${qd} of shape [${t.shape.join(', ')}] has ${t.shape[qd]} channels`);
      }
    }
  }
}
