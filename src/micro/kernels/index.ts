/** The kernels this runtime implements, by builtin code: all of ESPHome's 20. */
import { BuiltinOp } from '../../tflite/model.js';
import { prepareAdd } from './add.js';
import { prepareAssignVariable } from './assign_variable.js';
import { prepareCallOnce } from './call_once.js';
import { prepareConcatenation } from './concatenation.js';
import type { PrepareFn } from './context.js';
import { prepareConv2D } from './conv.js';
import { prepareDepthwiseConv2D } from './depthwise_conv.js';
import { prepareFullyConnected } from './fully_connected.js';
import { prepareLogistic } from './logistic.js';
import { prepareMean } from './mean.js';
import { prepareMul } from './mul.js';
import { preparePack } from './pack.js';
import { preparePad } from './pad.js';
import { prepareAveragePool2D, prepareMaxPool2D } from './pooling.js';
import { prepareQuantize } from './quantize.js';
import { prepareReadVariable } from './read_variable.js';
import { prepareReshape } from './reshape.js';
import { prepareSplitV } from './split_v.js';
import { prepareStridedSlice } from './strided_slice.js';
import { prepareVarHandle } from './var_handle.js';

export const KERNELS: ReadonlyMap<number, PrepareFn> = new Map<number, PrepareFn>([
  [BuiltinOp.CALL_ONCE, prepareCallOnce],
  [BuiltinOp.VAR_HANDLE, prepareVarHandle],
  [BuiltinOp.READ_VARIABLE, prepareReadVariable],
  [BuiltinOp.ASSIGN_VARIABLE, prepareAssignVariable],
  [BuiltinOp.RESHAPE, prepareReshape],
  [BuiltinOp.CONCATENATION, prepareConcatenation],
  [BuiltinOp.STRIDED_SLICE, prepareStridedSlice],
  [BuiltinOp.SPLIT_V, prepareSplitV],
  [BuiltinOp.CONV_2D, prepareConv2D],
  [BuiltinOp.DEPTHWISE_CONV_2D, prepareDepthwiseConv2D],
  [BuiltinOp.FULLY_CONNECTED, prepareFullyConnected],
  [BuiltinOp.LOGISTIC, prepareLogistic],
  [BuiltinOp.QUANTIZE, prepareQuantize],
  [BuiltinOp.ADD, prepareAdd],
  [BuiltinOp.MUL, prepareMul],
  [BuiltinOp.AVERAGE_POOL_2D, prepareAveragePool2D],
  [BuiltinOp.MAX_POOL_2D, prepareMaxPool2D],
  [BuiltinOp.PAD, preparePad],
  [BuiltinOp.PACK, preparePack],
  [BuiltinOp.MEAN, prepareMean],
]);
