/**
 * ESPHome micro_wake_word's load-time contract for a streaming model (facts: ../shared/docs/esphome-contract.md):
 * schema version 3, only the 20 ops of its MicroMutableOpResolver<20>, input [1, stride, 40] int8, output
 * [1, 1] uint8, at most 20 resource variables in its 1024-byte variable arena. Pure: reports every problem
 * found, each naming the offending part and what was expected.
 */
import { MwwError } from '../errors.js';
import { TensorType, type TfliteModel } from '../tflite/model.js';
import { isEsphomeOp, opName } from '../tflite/ops.js';
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

/** BuiltinOperator CUSTOM in TFLite's schema. */
const CUSTOM_OP = 32;

/** An operator's builtin code and the name to show for it (CUSTOM ops with their custom code). */
export function operatorLabel(model: TfliteModel, opcodeIndex: number): { code: number; name: string } {
  const oc = model.operatorCodes[opcodeIndex];
  if (!oc) return { code: -1, name: `opcode index ${opcodeIndex}` };
  if (oc.builtinCode === CUSTOM_OP) return { code: CUSTOM_OP, name: `CUSTOM '${oc.customCode ?? ''}'` };
  return { code: oc.builtinCode, name: opName(oc.builtinCode) };
}

/** One kind of operator ESPHome's MicroMutableOpResolver<20> does not register. */
export interface OpOutsideResolver {
  code: number;
  name: string;
  /** how many operators of this kind the model has (all subgraphs) */
  count: number;
  /** where it first occurs */
  subgraph: number;
  index: number;
}

/**
 * The one scan for operators outside ESPHome's 20 (the device's GetRegistrationFromOpCode would fail on them):
 * one entry per kind, in order of first occurrence. The contract check, the host runtime and the arena
 * calculator each word the refusal for their own context. An opcode index outside the model's operator codes
 * is a malformed model, not an unsupported op: MwwError 'input' naming the operator.
 */
export function opsOutsideResolver(model: TfliteModel, source = 'model'): OpOutsideResolver[] {
  const found = new Map<string, OpOutsideResolver>();
  model.subgraphs.forEach((sg, si) =>
    sg.operators.forEach((op, oi) => {
      const { code, name } = operatorLabel(model, op.opcodeIndex);
      if (code === -1) {
        throw new MwwError('input', `operator code index ${op.opcodeIndex} is out of range (${model.operatorCodes.length} operator codes)`, {
          where: `${source}: subgraph ${si}, operator ${oi}`,
        });
      }
      if (isEsphomeOp(code)) return;
      const seen = found.get(name);
      if (seen) seen.count++;
      else found.set(name, { code, name, count: 1, subgraph: si, index: oi });
    }),
  );
  return [...found.values()];
}

/** Shapes as ESPHome's docs write them: [1, 3, 40]. */
const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;

export function checkEsphomeContract(model: TfliteModel): ContractResult {
  const problems: string[] = [];
  let stride = 0;

  if (model.version !== TFLITE_SCHEMA_VERSION) {
    problems.push(`schema version is ${model.version}; ESPHome requires TFLite schema version ${TFLITE_SCHEMA_VERSION}`);
  }

  // Operators outside the resolver: one problem per op kind, with where it first occurs and how often.
  const unsupported = opsOutsideResolver(model);
  for (const { name, count, subgraph, index } of unsupported) {
    problems.push(`operator ${name} (${count}×, first at subgraph ${subgraph}, op ${index}) is not in ESPHome's op resolver; the model fails to load`);
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

  // The variable arena comes from the load plan, which refuses ops outside the resolver.
  if (unsupported.length === 0) {
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
