/**
 * Builtin operator names and ESPHome's operator set.
 * Names and codes follow the `BuiltinOperator` enum of TFLite's schema.fbs (current schema, codes 0–205 and 225).
 */
import { MwwError } from '../errors.js';
import { BuiltinOp, type Operator, type TfliteModel } from './model.js';

/** Index = builtin code. Codes 0..205 are contiguous in the schema. */
const BUILTIN_NAMES: readonly string[] = [
  'ADD', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'DEPTH_TO_SPACE', 'DEQUANTIZE',
  'EMBEDDING_LOOKUP', 'FLOOR', 'FULLY_CONNECTED', 'HASHTABLE_LOOKUP', 'L2_NORMALIZATION', 'L2_POOL_2D',
  'LOCAL_RESPONSE_NORMALIZATION', 'LOGISTIC', 'LSH_PROJECTION', 'LSTM', 'MAX_POOL_2D', 'MUL', 'RELU',
  'RELU_N1_TO_1', 'RELU6', 'RESHAPE', 'RESIZE_BILINEAR', 'RNN', 'SOFTMAX', 'SPACE_TO_DEPTH', 'SVDF', 'TANH',
  'CONCAT_EMBEDDINGS', 'SKIP_GRAM', 'CALL', 'CUSTOM', 'EMBEDDING_LOOKUP_SPARSE', 'PAD',
  'UNIDIRECTIONAL_SEQUENCE_RNN', 'GATHER', 'BATCH_TO_SPACE_ND', 'SPACE_TO_BATCH_ND', 'TRANSPOSE', 'MEAN', 'SUB',
  'DIV', 'SQUEEZE', 'UNIDIRECTIONAL_SEQUENCE_LSTM', 'STRIDED_SLICE', 'BIDIRECTIONAL_SEQUENCE_RNN', 'EXP',
  'TOPK_V2', 'SPLIT', 'LOG_SOFTMAX', 'DELEGATE', 'BIDIRECTIONAL_SEQUENCE_LSTM', 'CAST', 'PRELU', 'MAXIMUM',
  'ARG_MAX', 'MINIMUM', 'LESS', 'NEG', 'PADV2', 'GREATER', 'GREATER_EQUAL', 'LESS_EQUAL', 'SELECT', 'SLICE',
  'SIN', 'TRANSPOSE_CONV', 'SPARSE_TO_DENSE', 'TILE', 'EXPAND_DIMS', 'EQUAL', 'NOT_EQUAL', 'LOG', 'SUM', 'SQRT',
  'RSQRT', 'SHAPE', 'POW', 'ARG_MIN', 'FAKE_QUANT', 'REDUCE_PROD', 'REDUCE_MAX', 'PACK', 'LOGICAL_OR',
  'ONE_HOT', 'LOGICAL_AND', 'LOGICAL_NOT', 'UNPACK', 'REDUCE_MIN', 'FLOOR_DIV', 'REDUCE_ANY', 'SQUARE',
  'ZEROS_LIKE', 'FILL', 'FLOOR_MOD', 'RANGE', 'RESIZE_NEAREST_NEIGHBOR', 'LEAKY_RELU', 'SQUARED_DIFFERENCE',
  'MIRROR_PAD', 'ABS', 'SPLIT_V', 'UNIQUE', 'CEIL', 'REVERSE_V2', 'ADD_N', 'GATHER_ND', 'COS', 'WHERE', 'RANK',
  'ELU', 'REVERSE_SEQUENCE', 'MATRIX_DIAG', 'QUANTIZE', 'MATRIX_SET_DIAG', 'ROUND', 'HARD_SWISH', 'IF', 'WHILE',
  'NON_MAX_SUPPRESSION_V4', 'NON_MAX_SUPPRESSION_V5', 'SCATTER_ND', 'SELECT_V2', 'DENSIFY', 'SEGMENT_SUM',
  'BATCH_MATMUL', 'PLACEHOLDER_FOR_GREATER_OP_CODES', 'CUMSUM', 'CALL_ONCE', 'BROADCAST_TO', 'RFFT2D', 'CONV_3D',
  'IMAG', 'REAL', 'COMPLEX_ABS', 'HASHTABLE', 'HASHTABLE_FIND', 'HASHTABLE_IMPORT', 'HASHTABLE_SIZE',
  'REDUCE_ALL', 'CONV_3D_TRANSPOSE', 'VAR_HANDLE', 'READ_VARIABLE', 'ASSIGN_VARIABLE', 'BROADCAST_ARGS',
  'RANDOM_STANDARD_NORMAL', 'BUCKETIZE', 'RANDOM_UNIFORM', 'MULTINOMIAL', 'GELU', 'DYNAMIC_UPDATE_SLICE',
  'RELU_0_TO_1', 'UNSORTED_SEGMENT_PROD', 'UNSORTED_SEGMENT_MAX', 'UNSORTED_SEGMENT_SUM', 'ATAN2',
  'UNSORTED_SEGMENT_MIN', 'SIGN', 'BITCAST', 'BITWISE_XOR', 'RIGHT_SHIFT', 'STABLEHLO_LOGISTIC', 'STABLEHLO_ADD',
  'STABLEHLO_DIVIDE', 'STABLEHLO_MULTIPLY', 'STABLEHLO_MAXIMUM', 'STABLEHLO_RESHAPE', 'STABLEHLO_CLAMP',
  'STABLEHLO_CONCATENATE', 'STABLEHLO_BROADCAST_IN_DIM', 'STABLEHLO_CONVOLUTION', 'STABLEHLO_SLICE',
  'STABLEHLO_CUSTOM_CALL', 'STABLEHLO_REDUCE', 'STABLEHLO_ABS', 'STABLEHLO_AND', 'STABLEHLO_COSINE',
  'STABLEHLO_EXPONENTIAL', 'STABLEHLO_FLOOR', 'STABLEHLO_LOG', 'STABLEHLO_MINIMUM', 'STABLEHLO_NEGATE',
  'STABLEHLO_OR', 'STABLEHLO_POWER', 'STABLEHLO_REMAINDER', 'STABLEHLO_RSQRT', 'STABLEHLO_SELECT',
  'STABLEHLO_SUBTRACT', 'STABLEHLO_TANH', 'STABLEHLO_SCATTER', 'STABLEHLO_COMPARE', 'STABLEHLO_CONVERT',
  'STABLEHLO_DYNAMIC_SLICE', 'STABLEHLO_DYNAMIC_UPDATE_SLICE', 'STABLEHLO_PAD', 'STABLEHLO_IOTA',
  'STABLEHLO_DOT_GENERAL', 'STABLEHLO_REDUCE_WINDOW', 'STABLEHLO_SORT', 'STABLEHLO_WHILE', 'STABLEHLO_GATHER',
  'STABLEHLO_TRANSPOSE', 'DILATE', 'STABLEHLO_RNG_BIT_GENERATOR', 'REDUCE_WINDOW',
];

/** The one code outside the contiguous range. */
const TEMP_STREAMING_CONV_2D = 225;

/** The schema name of a builtin operator code; codes the schema does not define read as `UNKNOWN_OP_<code>`. */
export function opName(code: number): string {
  if (Number.isInteger(code) && code >= 0 && code < BUILTIN_NAMES.length) return BUILTIN_NAMES[code]!;
  if (code === TEMP_STREAMING_CONV_2D) return 'TEMP_STREAMING_CONV_2D';
  return `UNKNOWN_OP_${code}`;
}

/**
 * The 20 operators ESPHome's micro_wake_word registers in its `MicroMutableOpResolver<20>`, in its registration
 * order. A model using any other op fails to load on the device.
 */
export const ESPHOME_OPS: readonly number[] = Object.freeze([
  BuiltinOp.CALL_ONCE,
  BuiltinOp.VAR_HANDLE,
  BuiltinOp.RESHAPE,
  BuiltinOp.READ_VARIABLE,
  BuiltinOp.STRIDED_SLICE,
  BuiltinOp.CONCATENATION,
  BuiltinOp.ASSIGN_VARIABLE,
  BuiltinOp.CONV_2D,
  BuiltinOp.MUL,
  BuiltinOp.ADD,
  BuiltinOp.MEAN,
  BuiltinOp.FULLY_CONNECTED,
  BuiltinOp.LOGISTIC,
  BuiltinOp.QUANTIZE,
  BuiltinOp.DEPTHWISE_CONV_2D,
  BuiltinOp.AVERAGE_POOL_2D,
  BuiltinOp.MAX_POOL_2D,
  BuiltinOp.PAD,
  BuiltinOp.PACK,
  BuiltinOp.SPLIT_V,
]);

const ESPHOME_OP_SET: ReadonlySet<number> = new Set(ESPHOME_OPS);

export function isEsphomeOp(code: number): boolean {
  return ESPHOME_OP_SET.has(code);
}

/** The effective builtin code of an operator (readModel already resolved deprecated_builtin_code). */
export function opCodeOf(model: TfliteModel, op: Operator): number {
  const code = model.operatorCodes[op.opcodeIndex];
  if (!code) {
    throw new MwwError('input', `operator code index ${op.opcodeIndex} out of range (${model.operatorCodes.length} operator codes)`);
  }
  return code.builtinCode;
}

/** Convenience: the schema name of an operator's builtin code. */
export function opNameOf(model: TfliteModel, op: Operator): string {
  return opName(opCodeOf(model, op));
}

/**
 * How many operators of each builtin code, in order of first appearance: over the main subgraph (the model's
 * per-invoke work), or over every subgraph (including the init subgraph CALL_ONCE runs) with `allSubgraphs`.
 */
export function opCodeCounts(model: TfliteModel, opts: { allSubgraphs?: boolean } = {}): Map<number, number> {
  const counts = new Map<number, number>();
  const subgraphs = opts.allSubgraphs ? model.subgraphs : model.subgraphs.slice(0, 1);
  for (const sg of subgraphs) {
    for (const op of sg.operators) {
      const code = opCodeOf(model, op);
      counts.set(code, (counts.get(code) ?? 0) + 1);
    }
  }
  return counts;
}

/** Operator counts by schema name (see opCodeCounts): the model's operator multiset. */
export function opCounts(model: TfliteModel, opts: { allSubgraphs?: boolean } = {}): Record<string, number> {
  return Object.fromEntries([...opCodeCounts(model, opts)].map(([code, count]) => [opName(code), count]));
}
