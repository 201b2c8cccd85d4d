/**
 * `mww inspect MODEL.tflite`: what the model is (inputs/outputs, stride, operators, state variables), how much
 * tensor arena it needs on each ESPHome target, and whether ESPHome would load it — with --arena N, whether N
 * suffices and the "Requested / available" pair TFLM would print.
 */
import { basename } from 'node:path';
import type { Command, ParsedArgs } from '../command.js';
import type { Output } from '../output.js';
import { noExtraPositionals, num, str } from '../args.js';
import { MwwError } from '../../errors.js';
import { readModelFile } from '../../tflite/file.js';
import { BuiltinOp, type TensorType, type Tensor, type TfliteModel } from '../../tflite/model.js';
import { resourceKey } from '../../micro/resources.js';
import { tensorBytes, typeName as runtimeTypeName } from '../../micro/tensor.js';
import { isEsphomeOp, opCodeCounts, opCodeOf, opName } from '../../tflite/ops.js';
import { checkEsphomeContract } from '../../micro/contract.js';
import {
  arenaAt,
  computeArena,
  DEFAULT_ESP_NN,
  parseTarget,
  RECOMMENDED_MARGIN,
  recommendedFromMinimum,
  RUNTIME,
  SUPPORTED_TARGETS,
  targetLabel,
  variableArena,
  type ArenaAt,
  type ArenaReport,
  type ArenaTarget,
} from '../../micro/arena/index.js';

const USAGE = `Usage: mww inspect MODEL.tflite [--target esp32|esp32s3] [--esp-nn VERSION] [--arena N] [--json]

Shows the model's inputs/outputs, stride, operators, state variables, the exact tensor arena it needs
(${RUNTIME}) per target, and whether ESPHome would load it.

Options:
  --target CHIP     esp32 or esp32s3 (default: every supported target)
  --esp-nn VERSION  esp-nn version for esp32s3: 1.1.2, 1.2.1, 1.2.3 (default ${DEFAULT_ESP_NN}, ESPHome's pin since 2026-04)
  --arena N         check a tensor_arena_size: does it suffice, and what TFLM reports when not
  --json            machine-readable output`;

interface TensorInfo {
  index: number;
  name: string;
  type: string;
  shape: number[];
  bytes: number;
  quantization: { scale: number[]; zeroPoint: number[] } | null;
}

interface VariableInfo {
  name: string;
  container: string;
  shape: number[] | null;
  type: string | null;
  bytes: number;
}

const typeName = (t: TensorType): string => runtimeTypeName(t).toLowerCase();

function tensorInfo(t: Tensor, index: number): TensorInfo {
  const q = t.quantization;
  return {
    index,
    name: t.name,
    type: typeName(t.type),
    shape: [...t.shape],
    bytes: tensorBytes(t),
    quantization: q && q.scale.length > 0 ? { scale: [...q.scale], zeroPoint: [...q.zeroPoint] } : null,
  };
}

/** Resource variables by shared name, with the shape/bytes of what ASSIGN_VARIABLE (or READ_VARIABLE) moves. */
function stateVariables(model: TfliteModel): VariableInfo[] {
  const vars = new Map<string, VariableInfo>();
  for (const sg of model.subgraphs) {
    const handles = new Map<number, VariableInfo>();
    for (const op of sg.operators) {
      const code = opCodeOf(model, op);
      const o = op.builtinOptions;
      if (code === BuiltinOp.VAR_HANDLE && o?.kind === 'VarHandleOptions') {
        const key = resourceKey(o.container, o.sharedName);
        let v = vars.get(key);
        if (!v) vars.set(key, (v = { name: o.sharedName, container: o.container, shape: null, type: null, bytes: 0 }));
        for (const t of op.outputs) handles.set(t, v);
      } else if (code === BuiltinOp.ASSIGN_VARIABLE || code === BuiltinOp.READ_VARIABLE) {
        const v = handles.get(op.inputs[0]!);
        const value = sg.tensors[code === BuiltinOp.ASSIGN_VARIABLE ? op.inputs[1]! : op.outputs[0]!];
        if (v && value && v.shape === null) {
          v.shape = [...value.shape];
          v.type = typeName(value.type);
          v.bytes = tensorBytes(value);
        }
      }
    }
  }
  return [...vars.values()];
}

const fmtBytes = (n: number): string => `${n} B`;
const fmtShape = (s: readonly number[] | null): string => (s ? `[${s.join(', ')}]` : '?');

function quantText(q: TensorInfo['quantization']): string {
  if (!q) return 'not quantized';
  if (q.scale.length === 1) return `scale ${q.scale[0]!.toPrecision(6)}, zero point ${q.zeroPoint[0]}`;
  return `per-channel (${q.scale.length} scales)`;
}

async function run(args: ParsedArgs, out: Output): Promise<number> {
  const [file] = args.positionals;
  if (!file) throw new MwwError('usage', `missing MODEL.tflite\n\n${USAGE}`);
  noExtraPositionals(args, USAGE, 1);
  const targetFlag = str(args, 'target');
  const espNnFlag = str(args, 'esp-nn');
  const arenaSize = num(args, 'arena', { integer: true, min: 0, exclusiveMin: true, what: 'a whole number of bytes' });
  // Validate flags before reading the model, so a typo is reported as such.
  const espNn = espNnFlag ?? DEFAULT_ESP_NN;
  parseTarget(targetFlag ?? 'esp32s3', espNn);

  const { model, bytes } = await readModelFile(file);
  const main = model.subgraphs[0]!;
  const contract = checkEsphomeContract(model);

  const ops = [...opCodeCounts(model, { allSubgraphs: true })].map(([code, count]) => ({ name: opName(code), code, count, supported: isEsphomeOp(code) }));
  const unsupported = ops.filter((o) => !o.supported);

  const inputs = main.inputs.map((i) => tensorInfo(main.tensors[i]!, i));
  const outputs = main.outputs.map((i) => tensorInfo(main.tensors[i]!, i));
  const variables = stateVariables(model);

  // Arena: impossible to compute when an op cannot even be resolved.
  const listed: ArenaTarget[] = targetFlag
    ? [parseTarget(targetFlag, espNn)]
    : espNnFlag
      ? [parseTarget('esp32', espNn), parseTarget('esp32s3', espNn)]
      : SUPPORTED_TARGETS.map((t) => ({ ...t }));
  type ArenaEntry = ArenaReport & Partial<Omit<ArenaAt, 'ok'>> & { arenaOk?: boolean; label: string };
  let arenas: ArenaEntry[] = [];
  let arena: (ArenaEntry & { selection: string }) | null = null;
  let varArena: ReturnType<typeof variableArena> | null = null;
  let selected: ArenaEntry[] = [];
  if (unsupported.length === 0) {
    arenas = listed.map((t) => {
      const r = computeArena(model, t);
      const e: ArenaEntry = { ...r, label: targetLabel(t) };
      if (arenaSize !== undefined) {
        const at = arenaAt(model, t, arenaSize);
        Object.assign(e, { arenaOk: at.ok, requested: at.requested, available: at.available, message: at.message, stage: at.stage });
      }
      return e;
    });
    // The headline target: the one asked for; otherwise the most demanding chip at the selected esp-nn version.
    selected = targetFlag ? arenas : arenas.filter((a) => a.espNn === espNn || a.target.chip === 'esp32');
    const pick = selected.reduce((a, b) => (b.min > a.min ? b : a));
    arena = { ...pick, selection: targetFlag ? 'requested target' : `max over chips (esp-nn ${espNn})` };
    varArena = variableArena(model);
  }
  const recommended = arena ? recommendedFromMinimum(Math.max(...arenas.map((a) => a.min))) : null;

  // The verdict is for the selected targets (the one asked for, or every chip at the selected esp-nn);
  // shortfalls on other listed targets are notes.
  const reasons = [...contract.problems];
  const notes: string[] = [];
  if (arena && arenaSize !== undefined) {
    for (const a of arenas) {
      if (a.arenaOk) continue;
      const text = `tensor_arena_size ${arenaSize} is too small on ${a.label}: needs ${a.min} (TFLM: "${a.message}")`;
      if (selected.includes(a)) reasons.push(text);
      else notes.push(text);
    }
  }
  const loads = reasons.length === 0;

  if (out.json) {
    out.result({
      model: file,
      sizeBytes: bytes.length,
      schemaVersion: model.version,
      runtime: RUNTIME,
      inputs,
      outputs,
      stride: contract.stride,
      subgraphs: model.subgraphs.map((sg, i) => ({ index: i, name: sg.name, tensors: sg.tensors.length, operators: sg.operators.length })),
      ops,
      variables: {
        count: variables.length,
        items: variables,
        stateBytes: variables.reduce((a, v) => a + v.bytes, 0),
        variableArena: varArena && { bytes: varArena.bytes, limit: varArena.limit, maxCount: varArena.maxCount, fits: varArena.fits },
      },
      arena: arena && {
        target: arena.target.chip,
        espNn: arena.espNn,
        min: arena.min,
        ...(arenaSize !== undefined ? { arena: arenaSize, ok: arena.arenaOk, requested: arena.requested, available: arena.available, message: arena.message } : {}),
        head: arena.head,
        persistentBeforePlanning: arena.persistentBeforePlanning,
        persistentAfterPlanning: arena.persistentAfterPlanning,
        tempPlanningPeak: arena.tempPlanning,
        limitedBy: arena.limitedBy,
        selection: arena.selection,
        recommended,
        recommendedMargin: RECOMMENDED_MARGIN,
      },
      arenas: arenas.map((a) => ({
        target: a.target.chip,
        espNn: a.espNn,
        min: a.min,
        head: a.head,
        persistentBeforePlanning: a.persistentBeforePlanning,
        persistentAfterPlanning: a.persistentAfterPlanning,
        tempPlanningPeak: a.tempPlanning,
        limitedBy: a.limitedBy,
        arenaUsedBytes: a.arenaUsedBytes,
        perOpScratch: a.perOpScratch,
        ...(arenaSize !== undefined ? { ok: a.arenaOk, requested: a.requested, available: a.available, message: a.message } : {}),
      })),
      verdict: { loads, reasons, notes },
    });
  } else {
    printHuman(out, { file, bytes: bytes.length, model, inputs, outputs, stride: contract.stride, ops, variables, arenas, arena, arenaSize, recommended, varArena, loads, reasons, notes });
  }
  if (!loads) {
    out.error(`ESPHome would not load ${basename(file)}: ${reasons[0]}${reasons.length > 1 ? ` (and ${reasons.length - 1} more)` : ''}`);
    return 1;
  }
  return 0;
}

interface HumanView {
  file: string;
  bytes: number;
  model: TfliteModel;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  stride: number;
  ops: { name: string; count: number; supported: boolean }[];
  variables: VariableInfo[];
  arenas: (ArenaReport & { label: string; arenaOk?: boolean; requested?: number; available?: number; message?: string })[];
  arena: (ArenaReport & { label: string }) | null;
  arenaSize: number | undefined;
  recommended: number | null;
  varArena: ReturnType<typeof variableArena> | null;
  loads: boolean;
  reasons: string[];
  notes: string[];
}

function printHuman(out: Output, v: HumanView): void {
  const h = (s: string): string => out.paint('bold', s);
  out.line(`${h('Model')}    ${v.file} (${v.bytes} bytes, schema v${v.model.version}, ${v.model.subgraphs.length} subgraphs)`);
  for (const t of v.inputs) out.line(`${h('Input')}    ${t.name}: ${t.type} ${fmtShape(t.shape)}, ${quantText(t.quantization)}`);
  for (const t of v.outputs) out.line(`${h('Output')}   ${t.name}: ${t.type} ${fmtShape(t.shape)}, ${quantText(t.quantization)}`);
  out.line(`${h('Stride')}   ${v.stride > 0 ? `${v.stride} feature slices per invoke` : 'unknown (input is not [1, stride, 40])'}`);
  out.line();
  out.line(h(`Operators (${v.ops.reduce((a, o) => a + o.count, 0)})`));
  const w = Math.max(...v.ops.map((o) => o.name.length), 4);
  for (const o of v.ops) {
    const flag = o.supported ? '' : `  ${out.paint('red', 'NOT in ESPHome\'s op resolver')}`;
    out.line(`  ${o.name.padEnd(w)}  ×${o.count}${flag}`);
  }
  out.line();
  const stateBytes = v.variables.reduce((a, x) => a + x.bytes, 0);
  out.line(h(`State variables (${v.variables.length}, ${stateBytes} bytes in the tensor arena)`));
  const nw = Math.max(...v.variables.map((x) => x.name.length), 4);
  for (const x of v.variables) out.line(`  ${x.name.padEnd(nw)}  ${(x.type ?? '?').padEnd(5)} ${fmtShape(x.shape).padEnd(16)} ${fmtBytes(x.bytes)}`);
  if (v.varArena) {
    out.line(`  variable arena: ${v.varArena.bytes} of ${v.varArena.limit} bytes, ${v.varArena.count} of at most ${v.varArena.maxCount} variables`);
  }
  out.line();
  if (v.arenas.length > 0) {
    out.line(h(`Tensor arena (${RUNTIME})`));
    const lw = Math.max(...v.arenas.map((a) => a.label.length));
    for (const a of v.arenas) {
      let line = `  ${a.label.padEnd(lw)}  min ${String(a.min).padStart(6)}  (head ${a.head}, tail ${a.persistentBeforePlanning}+${a.persistentAfterPlanning}, limited by ${a.limitedBy})`;
      if (v.arenaSize !== undefined) {
        line += a.arenaOk
          ? `  ${out.paint('green', `${v.arenaSize} ok`)} (requested ${a.requested} / available ${a.available})`
          : `  ${out.paint('red', `${v.arenaSize} too small`)}: requested ${a.requested} / available ${a.available}`;
      }
      out.line(line);
    }
    if (v.recommended !== null) {
      out.line(`  recommended tensor_arena_size: ${v.recommended} (largest minimum above, rounded up to 16, + ${RECOMMENDED_MARGIN} bytes margin)`);
    }
    out.line();
  } else {
    out.line(h('Tensor arena') + '  not computed: the model uses operators ESPHome cannot load');
    out.line();
  }
  if (v.loads) {
    out.line(`${h('Verdict')}  ${out.paint('green', 'ESPHome would load this model')}${v.arenaSize !== undefined ? ` with tensor_arena_size ${v.arenaSize}` : ''}`);
  } else {
    out.line(`${h('Verdict')}  ${out.paint('red', 'ESPHome would NOT load this model')}:`);
    for (const r of v.reasons) out.line(`  - ${r}`);
  }
  for (const n of v.notes) out.line(`  note: ${n}`);
}

const command: Command = {
  name: 'inspect',
  summary: 'Show a model: inputs/outputs, ops, state, exact tensor arena per target, ESPHome verdict',
  usage: USAGE,
  options: {
    target: { type: 'string' },
    'esp-nn': { type: 'string' },
    arena: { type: 'string' },
  },
  run,
};

export default command;
