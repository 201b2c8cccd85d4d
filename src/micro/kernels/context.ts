/**
 * What a kernel sees while it is prepared. Following TFLM, each kernel is a prepare function that checks types
 * and shapes and computes everything that does not depend on tensor values (multipliers, offsets, index plans),
 * returning an eval closure that only computes over the preallocated typed arrays.
 */
import type { ErrorKind } from '../../errors.js';
import type { BuiltinOptions, Operator } from '../../tflite/model.js';
import type { ResourceVariables } from '../resources.js';
import type { RuntimeTensor } from '../tensor.js';

export type EvalFn = () => void;

export interface OpContext {
  readonly opName: string;
  readonly op: Operator;
  readonly options: BuiltinOptions | null;
  /** "model.tflite: subgraph 0, operator 17 (CONV_2D)" */
  readonly where: string;
  readonly numInputs: number;
  readonly numOutputs: number;
  /** Input `i`; a missing or omitted (-1) input is an error naming the operator. */
  input(i: number): RuntimeTensor;
  optionalInput(i: number): RuntimeTensor | null;
  output(i: number): RuntimeTensor;
  /** Throws an MwwError located at this operator. */
  fail(message: string, kind?: ErrorKind): never;
  readonly variables: ResourceVariables;
  /** Resource id held by a handle tensor (set when its VAR_HANDLE was prepared); fails for any other tensor. */
  resourceIdOf(handle: RuntimeTensor): number;
  setResourceId(handle: RuntimeTensor, id: number): void;
  readonly subgraphCount: number;
  runSubgraph(index: number): void;
  /** Runs once every operator of every subgraph has been prepared (checks that need the whole model). */
  afterPrepare(fn: () => void): void;
  /** Runs on MicroInterpreter.reset(). */
  onReset(fn: () => void): void;
}

export type PrepareFn = (ctx: OpContext) => EvalFn;
