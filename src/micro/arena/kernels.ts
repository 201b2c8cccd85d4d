/**
 * What each of ESPHome's 20 kernels (esp-tflite-micro 1.3.3.1 with ESP-NN, 32-bit) takes from the arena while
 * the model loads: the builtin-options struct the flatbuffer parser allocates (TfLite*Params, with its
 * alignment), the op data its Init allocates (AllocatePersistentBuffer, 16-aligned), and what its Prepare
 * allocates persistently (per-channel multiplier/shift arrays) or requests as scratch (ESP-NN buffers).
 * Struct sizes are the 32-bit layouts (int/pointer/size_t/enum 4 bytes, double 8-aligned on Xtensa).
 */
import { BuiltinOp, Padding, TensorType, type Operator, type Subgraph, type TfliteModel } from '../../tflite/model.js';
import { opCodeOf, opName } from '../../tflite/ops.js';
import { computePadding } from '../kernels/common.js';
import { resourceKey } from '../resources.js';
import { elementCount, tensorBytes } from '../tensor.js';
import { convScratchBytes, depthwiseScratchBytes, type ConvGeometry } from './espnn.js';
import type { ArenaTarget } from './targets.js';

export interface StructAlloc {
  size: number;
  align: number;
}

export interface KernelSizes {
  /** TfLite*Params allocated by the op's Parse function (null: the parser allocates nothing) */
  params: StructAlloc | null;
  /** bytes the kernel's Init allocates (null: no Init) */
  initBytes: number | null;
}

/**
 * Builtin params (builtin_op_data.h) and Init op data (each kernel's OpData struct), 32-bit:
 * - CALL_ONCE: TfLiteCallOnceParams{int} 4; OpData{int init_subgraph_index; bool has_run} 8.
 * - VAR_HANDLE: TfLiteVarHandleParams{2 char*} 8; OpData{int32 resource_id} 4.
 * - READ_VARIABLE / ASSIGN_VARIABLE: no params, no Init.
 * - RESHAPE: TfLiteReshapeParams{int shape[8]; int num_dimensions} 36; no Init.
 * - CONCATENATION: TfLiteConcatenationParams{axis, activation} 8; OpData{ConcatenationParams} 24
 *   (int8 axis, 2 pointers, uint16 inputs_count, int32 zero point, float scale).
 * - STRIDED_SLICE: TfLiteStridedSliceParams{5 ints, bool} 24; StridedSliceParams (3 × {int8 count, int32[5]},
 *   5 × uint16 masks, bool offset) 84.
 * - SPLIT_V: TfLiteSplitVParams{int} 4; no Init.  PACK: TfLitePackParams 8; no Init.
 * - CONV_2D: TfLiteConvParams (6 ints + quantized_bias_type) 28; esp-nn Init allocates sizeof(OpDataConv) 56.
 * - DEPTHWISE_CONV_2D: TfLiteDepthwiseConvParams 28; esp-nn NodeData{OpDataConv; int buffer_idx} 60.
 * - FULLY_CONNECTED: TfLiteFullyConnectedParams{activation, weights_format, 2 bools, quantized_bias_type} 16;
 *   OpDataFullyConnected (8 int32 + filter_buffer_index) 36.
 * - LOGISTIC: no params; OpDataLogistic{4 int32} 16.
 * - QUANTIZE: no params; OpDataQuantizeReference{QuantizationParams{int32; double} 16, 3 int32} 32.
 * - ADD: TfLiteAddParams{activation, bool} 8; OpDataAdd{bool + 14 int32/float} 60.
 * - MUL: TfLiteMulParams 4; OpDataMul (7 int32 + 2 float) 36.
 * - AVERAGE_POOL_2D / MAX_POOL_2D: TfLitePoolParams (6 ints + TfLitePaddingValues 16) 40;
 *   OpDataPooling{TfLitePaddingValues; 2 int32; 2 float} 32.
 * - MEAN: TfLiteReducerParams{bool} 1 (align 1); OpDataReduce (multiplier, shift, temp_buffer_idx,
 *   resolved_axis_idx, input_zp, input_scale, output_zp, output_scale, num_output_elements, num_axis) 40.
 * - PAD: no params; OpData{PadParams (2 × {int8 count, int32[5]} + enum) 52; int32} 56.
 * Each Init allocation is 16-aligned, so only its size rounded up to 16 matters where the tail is aligned.
 */
export const KERNEL_SIZES: Readonly<Record<number, KernelSizes>> = Object.freeze({
  [BuiltinOp.CALL_ONCE]: { params: { size: 4, align: 4 }, initBytes: 8 },
  [BuiltinOp.VAR_HANDLE]: { params: { size: 8, align: 4 }, initBytes: 4 },
  [BuiltinOp.READ_VARIABLE]: { params: null, initBytes: null },
  [BuiltinOp.ASSIGN_VARIABLE]: { params: null, initBytes: null },
  [BuiltinOp.RESHAPE]: { params: { size: 36, align: 4 }, initBytes: null },
  [BuiltinOp.CONCATENATION]: { params: { size: 8, align: 4 }, initBytes: 24 },
  [BuiltinOp.STRIDED_SLICE]: { params: { size: 24, align: 4 }, initBytes: 84 },
  [BuiltinOp.SPLIT_V]: { params: { size: 4, align: 4 }, initBytes: null },
  [BuiltinOp.PACK]: { params: { size: 8, align: 4 }, initBytes: null },
  [BuiltinOp.CONV_2D]: { params: { size: 28, align: 4 }, initBytes: 56 },
  [BuiltinOp.DEPTHWISE_CONV_2D]: { params: { size: 28, align: 4 }, initBytes: 60 },
  [BuiltinOp.FULLY_CONNECTED]: { params: { size: 16, align: 4 }, initBytes: 36 },
  [BuiltinOp.LOGISTIC]: { params: null, initBytes: 16 },
  [BuiltinOp.QUANTIZE]: { params: null, initBytes: 32 },
  [BuiltinOp.ADD]: { params: { size: 8, align: 4 }, initBytes: 60 },
  [BuiltinOp.MUL]: { params: { size: 4, align: 4 }, initBytes: 36 },
  [BuiltinOp.AVERAGE_POOL_2D]: { params: { size: 40, align: 4 }, initBytes: 32 },
  [BuiltinOp.MAX_POOL_2D]: { params: { size: 40, align: 4 }, initBytes: 32 },
  [BuiltinOp.MEAN]: { params: { size: 1, align: 1 }, initBytes: 40 },
  [BuiltinOp.PAD]: { params: null, initBytes: 56 },
});

/** One persistent allocation or scratch request a kernel's Prepare makes, in order. */
export type PrepareEffect =
  | { kind: 'persistent'; bytes: number; what: string }
  | { kind: 'scratch'; bytes: number; what: string }
  | { kind: 'variable'; sharedName: string; bytes: number };

const dim = (shape: readonly number[], i: number): number => shape[i] ?? 1;

export function convGeometry(sg: Subgraph, op: Operator, depthwise: boolean): ConvGeometry {
  const input = sg.tensors[op.inputs[0]!]!.shape;
  const filter = sg.tensors[op.inputs[1]!]!.shape;
  const output = sg.tensors[op.outputs[0]!]!.shape;
  const o = op.builtinOptions;
  const strideW = o && 'strideW' in o ? o.strideW : 1;
  const strideH = o && 'strideH' in o ? o.strideH : 1;
  const dilW = o && 'dilationW' in o ? o.dilationW || 1 : 1;
  const dilH = o && 'dilationH' in o ? o.dilationH || 1 : 1;
  const same = o && 'padding' in o ? o.padding === Padding.SAME : false;
  const g: ConvGeometry = {
    inH: dim(input, 1),
    inW: dim(input, 2),
    inC: dim(input, 3),
    kH: dim(filter, 1),
    kW: dim(filter, 2),
    outH: dim(output, 1),
    outW: dim(output, 2),
    outC: dim(output, 3),
    strideW,
    strideH,
    padW: 0,
    padH: 0,
    depthMultiplier: depthwise && o && 'depthMultiplier' in o ? o.depthMultiplier || 1 : 1,
  };
  if (same) {
    g.padW = computePadding(strideW, dilW, g.inW, g.kW, g.outW);
    g.padH = computePadding(strideH, dilH, g.inH, g.kH, g.outH);
  }
  return g;
}

/**
 * Resolves, for each VAR_HANDLE output tensor of a subgraph, the variable's shared name (container/shared_name
 * pair, as MicroResourceVariables::FindId matches them).
 */
export function resourceNames(model: TfliteModel, sg: Subgraph): Map<number, string> {
  const names = new Map<number, string>();
  for (const op of sg.operators) {
    if (opCodeOf(model, op) !== BuiltinOp.VAR_HANDLE) continue;
    const o = op.builtinOptions;
    const key = o && o.kind === 'VarHandleOptions' ? resourceKey(o.container, o.sharedName) : resourceKey('', '');
    for (const t of op.outputs) names.set(t, key);
  }
  return names;
}

/** The Prepare-time effects of one op on a target, in the order the kernel makes them. */
export function prepareEffects(
  model: TfliteModel,
  sg: Subgraph,
  op: Operator,
  target: ArenaTarget,
  handles: Map<number, string>,
  preparedHandles: Set<number>,
): PrepareEffect[] {
  const code = opCodeOf(model, op);
  switch (code) {
    case BuiltinOp.CONV_2D:
    case BuiltinOp.DEPTHWISE_CONV_2D: {
      const depthwise = code === BuiltinOp.DEPTHWISE_CONV_2D;
      const filter = sg.tensors[op.inputs[1]!]!;
      // kConvQuantizedDimension = 0, kDepthwiseConvQuantizedDimension = 3
      const channels = dim(filter.shape, depthwise ? 3 : 0);
      const effects: PrepareEffect[] = [
        { kind: 'persistent', bytes: 4 * channels, what: 'per-channel output multipliers' },
        { kind: 'persistent', bytes: 4 * channels, what: 'per-channel output shifts' },
      ];
      const input = sg.tensors[op.inputs[0]!]!;
      if (input.type === TensorType.INT8) {
        const g = convGeometry(sg, op, depthwise);
        const bytes = depthwise ? depthwiseScratchBytes(g, target) : convScratchBytes(g, target);
        if (bytes > 0) effects.push({ kind: 'scratch', bytes, what: `esp-nn ${opName(code)} scratch` });
      }
      return effects;
    }
    case BuiltinOp.MEAN: {
      // reduce_common.cc PrepareMeanOrSumHelper: for int8/int16 input, one scratch request for the int32
      // temp_sum (output elements × 4). It computes the multiplier into its op data and allocates nothing
      // persistent; the temp index/resolved-axis arrays live on the stack (only REDUCE_MAX requests those).
      const input = sg.tensors[op.inputs[0]!]!;
      if (input.type !== TensorType.INT8 && input.type !== TensorType.INT16) return [];
      const output = sg.tensors[op.outputs[0]!]!;
      return [{ kind: 'scratch', bytes: 4 * elementCount(output.shape), what: 'MEAN int32 temp sum' }];
    }
    case BuiltinOp.ASSIGN_VARIABLE: {
      // The resource id is only known here when this subgraph's VAR_HANDLE was prepared before (b/277231654).
      const handle = op.inputs[0]!;
      const name = handles.get(handle);
      if (name === undefined || !preparedHandles.has(handle)) return [];
      const value = sg.tensors[op.inputs[1]!]!;
      return [{ kind: 'variable', sharedName: name, bytes: tensorBytes(value) }];
    }
    default:
      return [];
  }
}
