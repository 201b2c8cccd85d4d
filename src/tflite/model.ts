/**
 * The in-memory form of a TFLite model, as plain typed objects: what `readModel` returns and `writeModel`
 * takes. Only the schema parts micro_wake_word models use are modelled; the reader rejects the rest with
 * a specific error. Field names follow the TFLite schema (schema.fbs), in camelCase.
 */

export enum TensorType {
  FLOAT32 = 0,
  FLOAT16 = 1,
  INT32 = 2,
  UINT8 = 3,
  INT64 = 4,
  STRING = 5,
  BOOL = 6,
  INT16 = 7,
  COMPLEX64 = 8,
  INT8 = 9,
  FLOAT64 = 10,
  COMPLEX128 = 11,
  UINT64 = 12,
  RESOURCE = 13,
  VARIANT = 14,
  UINT32 = 15,
  UINT16 = 16,
  INT4 = 17,
}

/** Bytes per element as TFLM's TfLiteTypeSizeOf reports them (RESOURCE tensors hold a 4-byte resource id on 32-bit TFLM). */
export function tensorTypeSize(t: TensorType): number {
  switch (t) {
    case TensorType.FLOAT32:
    case TensorType.INT32:
    case TensorType.UINT32:
      return 4;
    case TensorType.FLOAT16:
    case TensorType.INT16:
    case TensorType.UINT16:
      return 2;
    case TensorType.UINT8:
    case TensorType.INT8:
    case TensorType.BOOL:
    case TensorType.INT4:
      return 1;
    case TensorType.INT64:
    case TensorType.UINT64:
    case TensorType.FLOAT64:
    case TensorType.COMPLEX64:
      return 8;
    case TensorType.COMPLEX128:
      return 16;
    case TensorType.RESOURCE:
    case TensorType.VARIANT:
    case TensorType.STRING:
      return 4;
  }
}

/** The builtin operator codes micro_wake_word models may contain (ESPHome's resolver registers exactly these 20). */
export enum BuiltinOp {
  ADD = 0,
  AVERAGE_POOL_2D = 1,
  CONCATENATION = 2,
  CONV_2D = 3,
  DEPTHWISE_CONV_2D = 4,
  FULLY_CONNECTED = 9,
  LOGISTIC = 14,
  MAX_POOL_2D = 17,
  MUL = 18,
  RESHAPE = 22,
  PAD = 34,
  MEAN = 40,
  STRIDED_SLICE = 45,
  PACK = 83,
  SPLIT_V = 102,
  QUANTIZE = 114,
  CALL_ONCE = 129,
  VAR_HANDLE = 142,
  READ_VARIABLE = 143,
  ASSIGN_VARIABLE = 144,
}

export enum Padding {
  SAME = 0,
  VALID = 1,
}

export enum Activation {
  NONE = 0,
  RELU = 1,
  RELU_N1_TO_1 = 2,
  RELU6 = 3,
  TANH = 4,
  SIGN_BIT = 5,
}

export interface Conv2DOptions {
  kind: 'Conv2DOptions';
  padding: Padding;
  strideW: number;
  strideH: number;
  fusedActivation: Activation;
  dilationW: number;
  dilationH: number;
}
export interface DepthwiseConv2DOptions {
  kind: 'DepthwiseConv2DOptions';
  padding: Padding;
  strideW: number;
  strideH: number;
  depthMultiplier: number;
  fusedActivation: Activation;
  dilationW: number;
  dilationH: number;
}
export interface FullyConnectedOptions {
  kind: 'FullyConnectedOptions';
  fusedActivation: Activation;
  weightsFormat: number;
  keepNumDims: boolean;
  asymmetricQuantizeInputs: boolean;
}
export interface ConcatenationOptions {
  kind: 'ConcatenationOptions';
  axis: number;
  fusedActivation: Activation;
}
export interface StridedSliceOptions {
  kind: 'StridedSliceOptions';
  beginMask: number;
  endMask: number;
  ellipsisMask: number;
  newAxisMask: number;
  shrinkAxisMask: number;
  offset: boolean;
}
export interface SplitVOptions {
  kind: 'SplitVOptions';
  numSplits: number;
}
export interface ReshapeOptions {
  kind: 'ReshapeOptions';
  newShape: number[];
}
export interface Pool2DOptions {
  kind: 'Pool2DOptions';
  padding: Padding;
  strideW: number;
  strideH: number;
  filterWidth: number;
  filterHeight: number;
  fusedActivation: Activation;
}
export interface AddOptions {
  kind: 'AddOptions';
  fusedActivation: Activation;
  potScaleInt16: boolean;
}
export interface MulOptions {
  kind: 'MulOptions';
  fusedActivation: Activation;
}
export interface CallOnceOptions {
  kind: 'CallOnceOptions';
  initSubgraphIndex: number;
}
export interface VarHandleOptions {
  kind: 'VarHandleOptions';
  container: string;
  sharedName: string;
}
export interface ReducerOptions {
  kind: 'ReducerOptions';
  keepDims: boolean;
}
export interface PackOptions {
  kind: 'PackOptions';
  valuesCount: number;
  axis: number;
}
/** Option tables with no fields that still appear in converted models. */
export interface EmptyOptions {
  kind: 'PadOptions' | 'QuantizeOptions' | 'ReadVariableOptions' | 'AssignVariableOptions';
}

export type BuiltinOptions =
  | Conv2DOptions
  | DepthwiseConv2DOptions
  | FullyConnectedOptions
  | ConcatenationOptions
  | StridedSliceOptions
  | SplitVOptions
  | ReshapeOptions
  | Pool2DOptions
  | AddOptions
  | MulOptions
  | CallOnceOptions
  | VarHandleOptions
  | ReducerOptions
  | PackOptions
  | EmptyOptions;

export interface Quantization {
  /** Per-tensor: one value; per-channel: one per slice along `quantizedDimension`. float32 values. */
  scale: number[];
  /** int64 in the schema; always small for int8/uint8/int32 quantization. */
  zeroPoint: number[];
  /** Calibration ranges (float models carry them; the converter's calibrated_float.tflite uses them). */
  min?: number[];
  max?: number[];
  quantizedDimension: number;
}

export interface Tensor {
  name: string;
  type: TensorType;
  shape: number[];
  shapeSignature?: number[];
  /** Index into `TfliteModel.buffers`; buffer 0 is the empty sentinel. */
  buffer: number;
  quantization?: Quantization;
  isVariable: boolean;
  /** Schema `has_rank`: true marks a known rank (shape [] is then a scalar, not an unknown rank); TF's converter sets it. */
  hasRank?: boolean;
}

export interface Operator {
  /** Index into `TfliteModel.operatorCodes`. */
  opcodeIndex: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  intermediates?: number[];
  builtinOptions: BuiltinOptions | null;
  customOptions?: Uint8Array;
}

export interface OperatorCode {
  /** The effective builtin code: max(deprecated_builtin_code, builtin_code), as TFLM's GetBuiltinCode does. */
  builtinCode: number;
  customCode?: string;
  version: number;
}

export interface Subgraph {
  name: string;
  tensors: Tensor[];
  inputs: number[];
  outputs: number[];
  operators: Operator[];
}

export interface TensorMap {
  name: string;
  tensorIndex: number;
}

export interface SignatureDef {
  inputs: TensorMap[];
  outputs: TensorMap[];
  signatureKey: string;
  subgraphIndex: number;
}

export interface Metadata {
  name: string;
  buffer: number;
}

export interface TfliteModel {
  version: number;
  description: string;
  operatorCodes: OperatorCode[];
  subgraphs: Subgraph[];
  /** Buffer contents; an empty Uint8Array for buffers without data (buffer 0 always). */
  buffers: Uint8Array[];
  metadata: Metadata[];
  signatureDefs: SignatureDef[];
}
