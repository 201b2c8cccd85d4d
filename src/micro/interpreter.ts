/**
 * A host MicroInterpreter for micro_wake_word models: runs an int8 model the way TensorFlow Lite Micro's reference
 * kernels do, bit for bit (see graph.ts), behind the wake-word model contract: int8 input [1, stride, 40],
 * one uint8 output. State (resource variables) is carried across invokes until reset().
 */
import { MwwError } from '../errors.js';
import { TensorType, type TfliteModel } from '../tflite/model.js';
import { MicroGraph } from './graph.js';
import { elementCount, shapeText, typeName, type RuntimeTensor } from './tensor.js';

/** Number of int8 features per slice (the microfrontend's 40 channels). */
export const FEATURES_PER_SLICE = 40;

export class MicroInterpreter {
  /** Feature slices consumed per invoke (the input's second dimension). */
  readonly stride: number;
  readonly inputShape: number[];
  private readonly graph: MicroGraph;
  private readonly input: RuntimeTensor;
  private readonly output: RuntimeTensor;

  private constructor(graph: MicroGraph, input: RuntimeTensor, output: RuntimeTensor, stride: number) {
    this.graph = graph;
    this.input = input;
    this.output = output;
    this.stride = stride;
    this.inputShape = [...input.shape];
  }

  static create(model: TfliteModel, opts: { source?: string } = {}): MicroInterpreter {
    const source = opts.source ?? 'model';
    const main = model.subgraphs[0];
    if (!main) throw new MwwError('input', 'the model has no subgraphs', { where: source });
    if (main.inputs.length !== 1 || main.outputs.length !== 1) {
      throw new MwwError('unsupported', `the main subgraph has ${main.inputs.length} inputs and ${main.outputs.length} outputs; a wake-word model has exactly one of each`, { where: source });
    }
    const inT = main.tensors[main.inputs[0]!];
    const outT = main.tensors[main.outputs[0]!];
    if (!inT || !outT) throw new MwwError('input', 'the main subgraph input/output tensor index is out of range', { where: source });
    // Check the model's interface before the operators, so a float model is named as such.
    if (inT.type !== TensorType.INT8) {
      throw new MwwError(
        'unsupported',
        `input tensor '${inT.name}' is ${typeName(inT.type)}; ESPHome feeds int8 features, so the model must be fully int8-quantized (int8 input, uint8 output)`,
        { where: source },
      );
    }
    if (outT.type !== TensorType.UINT8 && outT.type !== TensorType.INT8) {
      throw new MwwError('unsupported', `output tensor '${outT.name}' is ${typeName(outT.type)}; expected uint8`, { where: source });
    }
    const shape = inT.shape;
    const size = elementCount(shape);
    const stride = shape.length >= 2 ? shape[shape.length - 2]! : 1;
    if (shape[shape.length - 1] !== FEATURES_PER_SLICE || size !== stride * FEATURES_PER_SLICE) {
      throw new MwwError('unsupported', `input tensor '${inT.name}' has shape ${shapeText(shape)}; expected [1, stride, ${FEATURES_PER_SLICE}]`, { where: source });
    }
    const graph = new MicroGraph(model, source);
    return new MicroInterpreter(graph, graph.tensors[0]![main.inputs[0]!]!, graph.tensors[0]![main.outputs[0]!]!, stride);
  }

  /** The model's resource variables (count, bytes). */
  get variables(): MicroGraph['variables'] {
    return this.graph.variables;
  }

  /** Runs one invoke on `stride × 40` int8 features; returns the output value (uint8). */
  invoke(features: Int8Array): number {
    const data = this.input.data as Int8Array;
    if (features.length !== data.length) {
      throw new MwwError('input', `invoke expects ${data.length} int8 values (input ${shapeText(this.inputShape)}), got ${features.length}`);
    }
    data.set(features);
    this.graph.invoke();
    return this.output.data[0]!;
  }

  /** TFLM MicroInterpreter::Reset: variables back to zero and CALL_ONCE armed again. */
  reset(): void {
    this.graph.reset();
  }
}

/**
 * Runs a model over a stream of int8 feature slices (40 per slice): `stride` slices per invoke, in order, state
 * carried across invokes; trailing slices that do not fill an invoke are dropped. One output byte per invoke.
 */
export function runStreaming(model: TfliteModel, features: Int8Array, opts: { source?: string } = {}): Uint8Array {
  if (features.length % FEATURES_PER_SLICE !== 0) {
    throw new MwwError('input', `${features.length} feature bytes are not a whole number of ${FEATURES_PER_SLICE}-byte slices`);
  }
  return invokeStream(MicroInterpreter.create(model, opts), features);
}

/**
 * Invokes `interpreter` on consecutive `stride × 40` frames of `features`, in order, from its current state;
 * a trailing partial frame is dropped. One output byte per invoke.
 */
export function invokeStream(interpreter: MicroInterpreter, features: Int8Array): Uint8Array {
  const frame = interpreter.stride * FEATURES_PER_SLICE;
  const invokes = Math.floor(features.length / frame);
  const out = new Uint8Array(invokes);
  for (let i = 0; i < invokes; i++) out[i] = interpreter.invoke(features.subarray(i * frame, (i + 1) * frame));
  return out;
}
