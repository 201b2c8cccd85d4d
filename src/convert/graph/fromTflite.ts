/**
 * A float streaming TFLite (what microWakeWord exports before quantization, e.g. `float.tflite`) as a
 * FloatGraph: its weights are already batch-norm folded, its ring buffers already resource variables.
 */
import { MwwError } from '../../errors.js';
import { BuiltinOp, TensorType, type TfliteModel } from '../../tflite/model.js';
import { opName } from '../../tflite/ops.js';
import type { FloatGraph, GTensor } from './ir.js';

const SUPPORTED = new Set<number>([
  BuiltinOp.CALL_ONCE,
  BuiltinOp.VAR_HANDLE,
  BuiltinOp.READ_VARIABLE,
  BuiltinOp.ASSIGN_VARIABLE,
  BuiltinOp.RESHAPE,
  BuiltinOp.CONCATENATION,
  BuiltinOp.STRIDED_SLICE,
  BuiltinOp.SPLIT_V,
  BuiltinOp.CONV_2D,
  BuiltinOp.DEPTHWISE_CONV_2D,
  BuiltinOp.FULLY_CONNECTED,
  BuiltinOp.ADD,
  BuiltinOp.MUL,
  BuiltinOp.LOGISTIC,
  BuiltinOp.AVERAGE_POOL_2D,
  BuiltinOp.MAX_POOL_2D,
]);

export function graphFromFloatTflite(m: TfliteModel, where: string): FloatGraph {
  const sg = m.subgraphs[0];
  if (!sg || sg.inputs.length !== 1 || sg.outputs.length !== 1) throw new MwwError('input', 'expected a streaming model with one input and one output', { where });
  const inT = sg.tensors[sg.inputs[0]!]!;
  if (inT.type !== TensorType.FLOAT32) {
    throw new MwwError('input', `input tensor "${inT.name}" is ${TensorType[inT.type]}: this is already a quantized model; give the float streaming TFLite (or the checkpoint) to convert`, { where });
  }
  if (inT.shape.length !== 3 || inT.shape[0] !== 1 || inT.shape[2] !== 40) throw new MwwError('input', `input shape [${inT.shape}] is not a streaming [1, stride, 40]`, { where });
  const roles = new Map<number, 'weight' | 'bias'>();
  for (const op of sg.operators) {
    const code = m.operatorCodes[op.opcodeIndex]!.builtinCode;
    if (!SUPPORTED.has(code)) throw new MwwError('unsupported', `operator ${opName(code)} is not supported by the converter (float source)`, { where });
    if (code === BuiltinOp.CONV_2D || code === BuiltinOp.DEPTHWISE_CONV_2D || code === BuiltinOp.FULLY_CONNECTED) {
      roles.set(op.inputs[1]!, 'weight');
      if (op.inputs[2] !== undefined && op.inputs[2] >= 0) roles.set(op.inputs[2], 'bias');
    }
  }
  const tensors: GTensor[] = sg.tensors.map((t, i) => {
    const buf = m.buffers[t.buffer];
    const hasData = buf !== undefined && buf.length > 0;
    if (i === sg.inputs[0]) return { name: t.name, shape: t.shape, kind: 'input' };
    if (t.type === TensorType.RESOURCE) return { name: t.name, shape: [], kind: 'resource' };
    if (hasData && t.type === TensorType.INT32) return { name: t.name, shape: t.shape, kind: 'int32', i32: new Int32Array(buf.slice().buffer) };
    if (hasData && t.type === TensorType.FLOAT32) {
      const role = roles.get(i);
      if (!role) throw new MwwError('unsupported', `float constant "${t.name}" is not a filter or bias; the converter cannot quantize it`, { where });
      return { name: t.name, shape: t.shape, kind: role, data: new Float32Array(buf.slice().buffer) };
    }
    if (t.type !== TensorType.FLOAT32) throw new MwwError('unsupported', `tensor "${t.name}" has type ${TensorType[t.type]}; a float streaming model has float32 activations`, { where });
    return { name: t.name, shape: t.shape, kind: 'activation' };
  });
  const g: FloatGraph = { tensors, ops: [], input: sg.inputs[0]!, output: sg.outputs[0]!, variables: [], stride: inT.shape[1]! };
  const handles = new Map<number, string>();
  for (const op of sg.operators) {
    const code = m.operatorCodes[op.opcodeIndex]!.builtinCode;
    if (code === BuiltinOp.CALL_ONCE) continue;
    if (code === BuiltinOp.VAR_HANDLE) {
      const o = op.builtinOptions as { sharedName: string };
      handles.set(op.outputs[0]!, o.sharedName);
      continue;
    }
    if (code === BuiltinOp.READ_VARIABLE) {
      const h = op.inputs[0]!;
      if (!g.variables.some((v) => v.handle === h)) g.variables.push({ sharedName: handles.get(h) ?? `var${h}`, shape: sg.tensors[op.outputs[0]!]!.shape, handle: h });
    }
    g.ops.push({ op: code, inputs: op.inputs, outputs: op.outputs, options: op.builtinOptions });
  }
  return g;
}
