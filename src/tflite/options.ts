/**
 * The builtin-options union of the TFLite schema: union type codes for the option tables mww models use, their
 * decoders (from a FlatView table) and the field layout the writer uses. Field ids are the declaration order of
 * each table in schema.fbs; type codes are 1-based positions in `union BuiltinOptions`.
 */
import type { BuiltinOptions } from './model.js';
import type { FbTable, FlatView } from './flatview.js';

export type OptionsKind = BuiltinOptions['kind'];

/** `union BuiltinOptions` type codes (NONE = 0). */
export const OPTIONS_TYPE: Readonly<Record<OptionsKind, number>> = Object.freeze({
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  PadOptions: 22,
  ReducerOptions: 27,
  StridedSliceOptions: 32,
  PackOptions: 59,
  SplitVOptions: 79,
  QuantizeOptions: 89,
  CallOnceOptions: 103,
  VarHandleOptions: 111,
  ReadVariableOptions: 112,
  AssignVariableOptions: 113,
});

const KIND_OF_TYPE: ReadonlyMap<number, OptionsKind> = new Map(
  (Object.entries(OPTIONS_TYPE) as [OptionsKind, number][]).map(([k, v]) => [v, k]),
);

export function optionsKindOfType(type: number): OptionsKind | undefined {
  return KIND_OF_TYPE.get(type);
}

/** Decodes the options table `t` of union type `kind`. */
export function decodeOptions(v: FlatView, kind: OptionsKind, t: FbTable): BuiltinOptions {
  switch (kind) {
    case 'Conv2DOptions':
      return {
        kind,
        padding: v.fieldI8(t, 0, 'padding'),
        strideW: v.fieldI32(t, 1, 'stride_w'),
        strideH: v.fieldI32(t, 2, 'stride_h'),
        fusedActivation: v.fieldI8(t, 3, 'fused_activation_function'),
        dilationW: v.fieldI32(t, 4, 'dilation_w_factor', 1),
        dilationH: v.fieldI32(t, 5, 'dilation_h_factor', 1),
      };
    case 'DepthwiseConv2DOptions':
      return {
        kind,
        padding: v.fieldI8(t, 0, 'padding'),
        strideW: v.fieldI32(t, 1, 'stride_w'),
        strideH: v.fieldI32(t, 2, 'stride_h'),
        depthMultiplier: v.fieldI32(t, 3, 'depth_multiplier'),
        fusedActivation: v.fieldI8(t, 4, 'fused_activation_function'),
        dilationW: v.fieldI32(t, 5, 'dilation_w_factor', 1),
        dilationH: v.fieldI32(t, 6, 'dilation_h_factor', 1),
      };
    case 'Pool2DOptions':
      return {
        kind,
        padding: v.fieldI8(t, 0, 'padding'),
        strideW: v.fieldI32(t, 1, 'stride_w'),
        strideH: v.fieldI32(t, 2, 'stride_h'),
        filterWidth: v.fieldI32(t, 3, 'filter_width'),
        filterHeight: v.fieldI32(t, 4, 'filter_height'),
        fusedActivation: v.fieldI8(t, 5, 'fused_activation_function'),
      };
    case 'FullyConnectedOptions':
      return {
        kind,
        fusedActivation: v.fieldI8(t, 0, 'fused_activation_function'),
        weightsFormat: v.fieldI8(t, 1, 'weights_format'),
        keepNumDims: v.fieldBool(t, 2, 'keep_num_dims'),
        asymmetricQuantizeInputs: v.fieldBool(t, 3, 'asymmetric_quantize_inputs'),
      };
    case 'ConcatenationOptions':
      return { kind, axis: v.fieldI32(t, 0, 'axis'), fusedActivation: v.fieldI8(t, 1, 'fused_activation_function') };
    case 'AddOptions':
      return {
        kind,
        fusedActivation: v.fieldI8(t, 0, 'fused_activation_function'),
        potScaleInt16: v.fieldBool(t, 1, 'pot_scale_int16', true),
      };
    case 'ReshapeOptions':
      return { kind, newShape: v.fieldI32Array(t, 0, 'new_shape') ?? [] };
    case 'MulOptions':
      return { kind, fusedActivation: v.fieldI8(t, 0, 'fused_activation_function') };
    case 'ReducerOptions':
      return { kind, keepDims: v.fieldBool(t, 0, 'keep_dims') };
    case 'StridedSliceOptions':
      return {
        kind,
        beginMask: v.fieldI32(t, 0, 'begin_mask'),
        endMask: v.fieldI32(t, 1, 'end_mask'),
        ellipsisMask: v.fieldI32(t, 2, 'ellipsis_mask'),
        newAxisMask: v.fieldI32(t, 3, 'new_axis_mask'),
        shrinkAxisMask: v.fieldI32(t, 4, 'shrink_axis_mask'),
        offset: v.fieldBool(t, 5, 'offset'),
      };
    case 'PackOptions':
      return { kind, valuesCount: v.fieldI32(t, 0, 'values_count'), axis: v.fieldI32(t, 1, 'axis') };
    case 'SplitVOptions':
      return { kind, numSplits: v.fieldI32(t, 0, 'num_splits') };
    case 'CallOnceOptions':
      return { kind, initSubgraphIndex: v.fieldI32(t, 0, 'init_subgraph_index') };
    case 'VarHandleOptions':
      return { kind, container: v.fieldString(t, 0, 'container') ?? '', sharedName: v.fieldString(t, 1, 'shared_name') ?? '' };
    case 'PadOptions':
    case 'QuantizeOptions':
    case 'ReadVariableOptions':
    case 'AssignVariableOptions':
      return { kind };
  }
}
