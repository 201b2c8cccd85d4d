/**
 * TFLM's MicroGraph for the host: checks every operator against ESPHome's resolver, allocates one typed array per
 * tensor and prepares every operator of every subgraph in order (as AllocateTensors does). invoke() runs the
 * prepared eval functions of subgraph 0 and nothing else; resource variables persist across invokes.
 * Independent of the wake-word input/output contract (MicroInterpreter adds that), so kernels can be run alone.
 */
import { MwwError, type ErrorKind } from '../errors.js';
import type { TfliteModel } from '../tflite/model.js';
import { operatorLabel, opsOutsideResolver } from './contract.js';
import type { EvalFn, OpContext } from './kernels/context.js';
import { KERNELS } from './kernels/index.js';
import { ResourceVariables } from './resources.js';
import { createRuntimeTensor, type RuntimeTensor } from './tensor.js';

/** Refuses models ESPHome could not load (ops outside its resolver) and ops this runtime lacks. */
export function checkOperators(model: TfliteModel, source: string): void {
  const outside = opsOutsideResolver(model, source)[0];
  if (outside) {
    const { name, code } = outside;
    throw new MwwError('unsupported', `operator ${name} (code ${code}) is not registered by ESPHome's micro_wake_word resolver`, {
      where: `${source}: subgraph ${outside.subgraph}, operator ${outside.index}`,
      details: { op: name, code },
    });
  }
  for (let s = 0; s < model.subgraphs.length; s++) {
    const ops = model.subgraphs[s]!.operators;
    for (let i = 0; i < ops.length; i++) {
      const { code, name } = operatorLabel(model, ops[i]!.opcodeIndex);
      if (!KERNELS.has(code)) {
        throw new MwwError('unsupported', `operator ${name} (code ${code}) is in ESPHome's resolver but mww's host runtime does not implement it yet`, {
          where: `${source}: subgraph ${s}, operator ${i}`,
          details: { op: name, code },
        });
      }
    }
  }
}

export class MicroGraph {
  private readonly resetHooks: Array<() => void> = [];
  private readonly evals: EvalFn[][];
  readonly variables = new ResourceVariables();
  /** Runtime tensors per subgraph, by model tensor index. */
  readonly tensors: RuntimeTensor[][];

  constructor(model: TfliteModel, source = 'model') {
    if (model.subgraphs.length === 0) throw new MwwError('input', 'the model has no subgraphs', { where: source });
    checkOperators(model, source);
    this.tensors = model.subgraphs.map((sg, s) => sg.tensors.map((t, i) => createRuntimeTensor(t, i, model.buffers, `${source}: subgraph ${s}, tensor ${i}`)));
    this.evals = model.subgraphs.map(() => []);
    const resourceIds = new Map<RuntimeTensor, number>();
    const afterPrepare: Array<() => void> = [];
    const running = new Set<number>();
    const runSubgraph = (index: number): void => {
      if (running.has(index)) throw new MwwError('input', `subgraph ${index} calls itself`, { where: source });
      running.add(index);
      try {
        this.run(index);
      } finally {
        running.delete(index);
      }
    };

    for (let s = 0; s < model.subgraphs.length; s++) {
      const sg = model.subgraphs[s]!;
      const ts = this.tensors[s]!;
      for (let i = 0; i < sg.operators.length; i++) {
        const op = sg.operators[i]!;
        const { code, name } = operatorLabel(model, op.opcodeIndex);
        const where = `${source}: subgraph ${s}, operator ${i} (${name})`;
        const fail = (message: string, kind: ErrorKind = 'input'): never => {
          throw new MwwError(kind, message, { where });
        };
        const tensorAt = (list: number[], k: number, role: string, optional: boolean): RuntimeTensor | null => {
          const idx = list[k];
          if (idx === undefined || idx < 0) {
            if (optional) return null;
            return fail(`${role} ${k} is missing (the operator has ${list.length})`);
          }
          const t = ts[idx];
          if (!t) return fail(`${role} ${k} refers to tensor ${idx}, but the subgraph has ${ts.length} tensors`);
          return t;
        };
        const ctx: OpContext = {
          opName: name,
          op,
          options: op.builtinOptions,
          where,
          numInputs: op.inputs.length,
          numOutputs: op.outputs.length,
          input: (k) => tensorAt(op.inputs, k, 'input', false)!,
          optionalInput: (k) => tensorAt(op.inputs, k, 'input', true),
          output: (k) => tensorAt(op.outputs, k, 'output', false)!,
          fail,
          variables: this.variables,
          resourceIdOf: (t) => resourceIds.get(t) ?? fail(`input '${t.name}' is not the output of a VAR_HANDLE operator`),
          setResourceId: (t, id) => {
            resourceIds.set(t, id);
          },
          subgraphCount: model.subgraphs.length,
          runSubgraph,
          afterPrepare: (fn) => {
            afterPrepare.push(fn);
          },
          onReset: (fn) => {
            this.resetHooks.push(fn);
          },
        };
        this.evals[s]!.push(KERNELS.get(code)!(ctx));
      }
    }
    for (const check of afterPrepare) check();
  }

  private run(index: number): void {
    const list = this.evals[index]!;
    for (let i = 0; i < list.length; i++) list[i]!();
  }

  /** Runs the main subgraph once. */
  invoke(): void {
    this.run(0);
  }

  /** TFLM MicroInterpreter::Reset: variables back to zero and CALL_ONCE armed again. */
  reset(): void {
    this.variables.resetAll();
    for (const hook of this.resetHooks) hook();
  }
}
