/**
 * ESPHome micro_wake_word's load-time contract for a streaming model (facts: ../shared/docs/esphome-contract.md):
 * schema version 3, only the 20 ops of its MicroMutableOpResolver<20>, input [1, stride, 40] int8, output
 * [1, 1] uint8, at most 20 resource variables in its 1024-byte variable arena. Pure: reports every problem
 * found, each naming the offending part and what was expected.
 */
import { TensorType, type TfliteModel } from '../tflite/model.js';
import { isEsphomeOp, opCodeOf, opName } from '../tflite/ops.js';
import { variableArena } from './arena/index.js';
import { FEATURES_PER_SLICE } from './interpreter.js';
import { typeName } from './tensor.js';

export interface ContractResult {
  ok: boolean;
  problems: string[];
  /** feature slices per invoke (input dimension 1); 0 when the input shape is unusable */
  stride: number;
}

export const TFLITE_SCHEMA_VERSION = 3;

/** Shapes as ESPHome's docs write them: [1, 3, 40]. */
const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;

export function checkEsphomeContract(model: TfliteModel): ContractResult {
  const problems: string[] = [];
  let stride = 0;

  if (model.version !== TFLITE_SCHEMA_VERSION) {
    problems.push(`schema version is ${model.version}; ESPHome requires TFLite schema version ${TFLITE_SCHEMA_VERSION}`);
  }

  // Operators outside the resolver: one problem per op kind, with where it first occurs and how often.
  const unsupported = new Map<number, { count: number; first: string }>();
  model.subgraphs.forEach((sg, si) =>
    sg.operators.forEach((op, oi) => {
      const code = opCodeOf(model, op);
      if (isEsphomeOp(code)) return;
      const seen = unsupported.get(code);
      if (seen) seen.count++;
      else unsupported.set(code, { count: 1, first: `subgraph ${si}, op ${oi}` });
    }),
  );
  for (const [code, { count, first }] of unsupported) {
    problems.push(
      `operator ${opName(code)} (${count}×, first at ${first}) is not in ESPHome's op resolver; the model fails to load`,
    );
  }

  const main = model.subgraphs[0];
  if (!main) {
    problems.push('the model has no subgraphs');
    return { ok: false, problems, stride };
  }

  const quantizedModel = main.tensors.some((t) => t.type === TensorType.INT8);
  if (main.inputs.length !== 1) {
    problems.push(`the model has ${main.inputs.length} inputs; ESPHome feeds exactly one input tensor`);
  }
  const input = main.inputs.length > 0 ? main.tensors[main.inputs[0]!] : undefined;
  if (input) {
    const s = input.shape;
    if (s.length === 3 && s[0] === 1 && s[2] === FEATURES_PER_SLICE && s[1]! >= 1) stride = s[1]!;
    else {
      problems.push(
        `input "${input.name}" has shape ${shapeText(s)}; ESPHome expects [1, stride, ${FEATURES_PER_SLICE}] (stride feature slices of ${FEATURES_PER_SLICE})`,
      );
    }
    if (input.type !== TensorType.INT8) {
      problems.push(
        input.type === TensorType.FLOAT32 && quantizedModel
          ? `input "${input.name}" is float32 but the model is int8-quantized; ESPHome feeds int8 features ("Streaming model tensor input is not int8") — convert with int8 input`
          : `input "${input.name}" is ${typeName(input.type)}; ESPHome requires an int8 input ("Streaming model tensor input is not int8")`,
      );
    }
  }

  if (main.outputs.length !== 1) {
    problems.push(`the model has ${main.outputs.length} outputs; ESPHome reads exactly one output tensor`);
  }
  const output = main.outputs.length > 0 ? main.tensors[main.outputs[0]!] : undefined;
  if (output) {
    const s = output.shape;
    if (!(s.length === 2 && s[0] === 1 && s[1] === 1)) {
      problems.push(`output "${output.name}" has shape ${shapeText(s)}; ESPHome expects [1, 1] (one probability per invoke)`);
    }
    if (output.type !== TensorType.UINT8) {
      problems.push(
        `output "${output.name}" is ${typeName(output.type)}; ESPHome requires a uint8 output ("Streaming model tensor output is not uint8")`,
      );
    }
  }

  if (unsupported.size === 0) {
    const vars = variableArena(model);
    if (vars.count > vars.maxCount) {
      problems.push(`the model creates ${vars.count} resource variables; ESPHome allows at most ${vars.maxCount}`);
    }
    if (vars.bytes > vars.limit) {
      problems.push(`resource variables need ${vars.bytes} bytes of variable arena; ESPHome provides ${vars.limit}`);
    }
  }

  return { ok: problems.length === 0, problems, stride };
}
