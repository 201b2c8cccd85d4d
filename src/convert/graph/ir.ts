/**
 * The float streaming graph the converter works on: TFLite operators over float32 tensors, with the
 * ring-buffer state as resource variables. Both sources (a Keras checkpoint, a float streaming TFLite)
 * become this graph; calibration runs it and quantization turns it into an int8 TfliteModel.
 */
import { BuiltinOp, type BuiltinOptions } from '../../tflite/model.js';

export type TensorKind =
  | 'input' // the model input, float features [1, stride, 40]
  | 'activation' // computed at run time
  | 'weight' // float constant consumed as a CONV/DEPTHWISE/FC filter (quantized per channel)
  | 'bias' // float constant consumed as a bias (quantized to int32)
  | 'int32' // shape / index constants (reshape shapes, slice begin/end/strides, split sizes, axis)
  | 'resource'; // a VAR_HANDLE output

export interface GTensor {
  name: string;
  shape: number[];
  kind: TensorKind;
  /** Float constants (weight, bias). */
  data?: Float32Array;
  /** int32 constants. */
  i32?: Int32Array;
}

export interface GOp {
  op: BuiltinOp;
  inputs: number[];
  outputs: number[];
  options: BuiltinOptions | null;
}

export interface GVariable {
  /** `shared_name` of the VAR_HANDLE, e.g. `stream_3/states`. */
  sharedName: string;
  shape: number[];
  /** The resource tensor produced by its VAR_HANDLE in the main graph. */
  handle: number;
}

export interface FloatGraph {
  tensors: GTensor[];
  ops: GOp[];
  input: number;
  output: number;
  variables: GVariable[];
  /** Frames per invoke (input [1, stride, 40]). */
  stride: number;
}

/** Small builder so architecture code reads like the layer sequence it mirrors. */
export class GraphBuilder {
  readonly g: FloatGraph;
  constructor(stride: number) {
    this.g = { tensors: [], ops: [], input: -1, output: -1, variables: [], stride };
  }
  tensor(t: GTensor): number {
    this.g.tensors.push(t);
    return this.g.tensors.length - 1;
  }
  act(name: string, shape: number[]): number {
    return this.tensor({ name, shape, kind: 'activation' });
  }
  i32(name: string, values: number[], shape?: number[]): number {
    return this.tensor({ name, shape: shape ?? [values.length], kind: 'int32', i32: Int32Array.from(values) });
  }
  op(op: BuiltinOp, inputs: number[], outputs: number[], options: BuiltinOptions | null = null): void {
    this.g.ops.push({ op, inputs, outputs, options });
  }
  shape(t: number): number[] {
    return this.g.tensors[t]!.shape;
  }
}
