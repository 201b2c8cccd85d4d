/**
 * The builtin-options union of the TFLite schema: union type codes for the option tables mww models use and one
 * field layout per table, which both the decoder here and the writer (writer.ts) follow. Field ids are the
 * declaration order of each table in schema.fbs; type codes are 1-based positions in `union BuiltinOptions`.
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

/** How a field is stored: int8 (enums too), int32, bool (a byte), [int32] vector, or string. */
export type OptionFieldType = 'i8' | 'i32' | 'bool' | 'i32s' | 'string';

export interface OptionField<K extends string = string> {
  /** Property of the model.ts options object. */
  key: K;
  /** Field id in the schema table. */
  id: number;
  /** Schema field name (for error messages). */
  name: string;
  type: OptionFieldType;
  /** Schema default of a scalar field (0 / false unless stated). */
  dflt?: number;
}

type FieldsOf<K extends OptionsKind> = ReadonlyArray<OptionField<Exclude<keyof Extract<BuiltinOptions, { kind: K }>, 'kind'> & string>>;

const f = <K extends string>(key: K, id: number, name: string, type: OptionFieldType, dflt?: number): OptionField<K> =>
  dflt === undefined ? { key, id, name, type } : { key, id, name, type, dflt };

/** Every option table's fields, in id order. */
const OPTION_FIELDS: { readonly [K in OptionsKind]: FieldsOf<K> } = Object.freeze({
  Conv2DOptions: [
    f('padding', 0, 'padding', 'i8'),
    f('strideW', 1, 'stride_w', 'i32'),
    f('strideH', 2, 'stride_h', 'i32'),
    f('fusedActivation', 3, 'fused_activation_function', 'i8'),
    f('dilationW', 4, 'dilation_w_factor', 'i32', 1),
    f('dilationH', 5, 'dilation_h_factor', 'i32', 1),
  ],
  DepthwiseConv2DOptions: [
    f('padding', 0, 'padding', 'i8'),
    f('strideW', 1, 'stride_w', 'i32'),
    f('strideH', 2, 'stride_h', 'i32'),
    f('depthMultiplier', 3, 'depth_multiplier', 'i32'),
    f('fusedActivation', 4, 'fused_activation_function', 'i8'),
    f('dilationW', 5, 'dilation_w_factor', 'i32', 1),
    f('dilationH', 6, 'dilation_h_factor', 'i32', 1),
  ],
  Pool2DOptions: [
    f('padding', 0, 'padding', 'i8'),
    f('strideW', 1, 'stride_w', 'i32'),
    f('strideH', 2, 'stride_h', 'i32'),
    f('filterWidth', 3, 'filter_width', 'i32'),
    f('filterHeight', 4, 'filter_height', 'i32'),
    f('fusedActivation', 5, 'fused_activation_function', 'i8'),
  ],
  FullyConnectedOptions: [
    f('fusedActivation', 0, 'fused_activation_function', 'i8'),
    f('weightsFormat', 1, 'weights_format', 'i8'),
    f('keepNumDims', 2, 'keep_num_dims', 'bool'),
    f('asymmetricQuantizeInputs', 3, 'asymmetric_quantize_inputs', 'bool'),
  ],
  ConcatenationOptions: [f('axis', 0, 'axis', 'i32'), f('fusedActivation', 1, 'fused_activation_function', 'i8')],
  AddOptions: [f('fusedActivation', 0, 'fused_activation_function', 'i8'), f('potScaleInt16', 1, 'pot_scale_int16', 'bool', 1)],
  ReshapeOptions: [f('newShape', 0, 'new_shape', 'i32s')],
  MulOptions: [f('fusedActivation', 0, 'fused_activation_function', 'i8')],
  PadOptions: [],
  ReducerOptions: [f('keepDims', 0, 'keep_dims', 'bool')],
  StridedSliceOptions: [
    f('beginMask', 0, 'begin_mask', 'i32'),
    f('endMask', 1, 'end_mask', 'i32'),
    f('ellipsisMask', 2, 'ellipsis_mask', 'i32'),
    f('newAxisMask', 3, 'new_axis_mask', 'i32'),
    f('shrinkAxisMask', 4, 'shrink_axis_mask', 'i32'),
    f('offset', 5, 'offset', 'bool'),
  ],
  PackOptions: [f('valuesCount', 0, 'values_count', 'i32'), f('axis', 1, 'axis', 'i32')],
  SplitVOptions: [f('numSplits', 0, 'num_splits', 'i32')],
  QuantizeOptions: [],
  CallOnceOptions: [f('initSubgraphIndex', 0, 'init_subgraph_index', 'i32')],
  // Strings always present (the writer writes them even when empty): TFLM matches handles on them.
  VarHandleOptions: [f('container', 0, 'container', 'string'), f('sharedName', 1, 'shared_name', 'string')],
  ReadVariableOptions: [],
  AssignVariableOptions: [],
});

/** The fields of a kind, loosely typed for generic encoders. */
export function optionFields(kind: OptionsKind): readonly OptionField[] {
  return OPTION_FIELDS[kind];
}

/** Decodes the options table `t` of union type `kind`; absent fields take their schema defaults. */
export function decodeOptions(v: FlatView, kind: OptionsKind, t: FbTable): BuiltinOptions {
  const o: Record<string, unknown> = { kind };
  for (const field of optionFields(kind)) {
    const { id, name, dflt = 0 } = field;
    switch (field.type) {
      case 'i8':
        o[field.key] = v.fieldI8(t, id, name, dflt);
        break;
      case 'i32':
        o[field.key] = v.fieldI32(t, id, name, dflt);
        break;
      case 'bool':
        o[field.key] = v.fieldBool(t, id, name, dflt !== 0);
        break;
      case 'i32s':
        o[field.key] = v.fieldI32Array(t, id, name) ?? [];
        break;
      case 'string':
        o[field.key] = v.fieldString(t, id, name) ?? '';
        break;
    }
  }
  return o as unknown as BuiltinOptions;
}
