/**
 * The converter against TensorFlow's own output (../shared/golden): the fixture and the resid/spatial variants,
 * from the checkpoint and from float.tflite. Weights, biases, quantization parameters, op multiset, state
 * variables, TFLM probe outputs and calibration ranges are compared with what the real TF pipeline produced.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { convertCheckpoint } from '../../src/convert/index.js';
import { opCounts } from '../../src/tflite/ops.js';
import { readModel } from '../../src/tflite/reader.js';
import { BuiltinOp, TensorType, type Operator, type TfliteModel } from '../../src/tflite/model.js';
import { MicroInterpreter } from '../../src/micro/interpreter.js';
import { loadRawF32 } from '../../src/convert/data.js';
import { PROBE_SEED, probeInput } from '../helpers/probe.js';
import { loadTrainingConfig, resolveFlags } from '../../src/convert/config.js';
import { readKerasWeights } from '../../src/convert/h5.js';
import { buildMixedNet } from '../../src/convert/graph/mixednet.js';
import { calibrate } from '../../src/convert/calibrate.js';

const WEIGHT_OPS = [BuiltinOp.CONV_2D, BuiltinOp.DEPTHWISE_CONV_2D, BuiltinOp.FULLY_CONNECTED];
/** Ops whose outputs are computed (not copied), so their ranges test the float arithmetic. */
const COMPUTE_OPS = [...WEIGHT_OPS, BuiltinOp.ADD, BuiltinOp.MUL, BuiltinOp.AVERAGE_POOL_2D, BuiltinOp.MAX_POOL_2D, BuiltinOp.LOGISTIC];
const FLT_MIN = Math.fround(1.1754943508222875e-38);
const code = (m: TfliteModel, o: Operator) => m.operatorCodes[o.opcodeIndex]!.builtinCode;
const tensor = (m: TfliteModel, i: number) => m.subgraphs[0]!.tensors[i]!;
const bytesOf = (m: TfliteModel, i: number) => m.buffers[tensor(m, i).buffer]!;
const weightOps = (m: TfliteModel) => m.subgraphs[0]!.operators.filter((o) => WEIGHT_OPS.includes(code(m, o)));

/** Pair each of our weight ops with the golden op holding byte-identical int8 weights. */
function pairByWeights(mine: TfliteModel, golden: TfliteModel): [Operator, Operator][] {
  const free = weightOps(golden);
  return weightOps(mine).map((mo) => {
    const mw = bytesOf(mine, mo.inputs[1]!);
    const idx = free.findIndex((go) => {
      if (code(golden, go) !== code(mine, mo)) return false;
      const gw = bytesOf(golden, go.inputs[1]!);
      return gw.length === mw.length && gw.every((v, i) => v === mw[i]);
    });
    expect(idx, `int8 weights of ${tensor(mine, mo.inputs[1]!).name} [${tensor(mine, mo.inputs[1]!).shape}] identical to a golden weight tensor`).toBeGreaterThanOrEqual(0);
    return [mo, free.splice(idx, 1)[0]!];
  });
}

const CASES = [
  { name: 'fixture okay_nabu v2 (checkpoint)', dir: 'golden/fixture_okay_nabu_v2', source: 'dir' as const, probeKey: 'outputs_uint8_tflm' },
  { name: 'fixture okay_nabu v2 (float.tflite)', dir: 'golden/fixture_okay_nabu_v2', source: 'float' as const, probeKey: 'outputs_uint8_tflm' },
  { name: 'variant resid', dir: 'golden/variants/resid', source: 'dir' as const, probeKey: 'outputs_uint8' },
  { name: 'variant spatial', dir: 'golden/variants/spatial', source: 'dir' as const, probeKey: 'outputs_uint8' },
];

for (const c of CASES) {
  describeShared(`convert ${c.name} vs TensorFlow`, () => {
    let mine: TfliteModel;
    let golden: TfliteModel;
    let calibrated: TfliteModel;
    let pairs: [Operator, Operator][];
    let variables: { name: string; shape: number[] }[];
    beforeAll(async () => {
      const dir = sharedPath(c.dir);
      const res = await convertCheckpoint({
        source: c.source === 'float' ? `${dir}/float.tflite` : dir,
        config: c.source === 'dir' ? `${dir}/training_config.yaml` : undefined,
        calibration: [`${dir}/rep_dataset.f32`],
        // float.tflite carries no spectrogram length: give it like --spectrogram-length would.
        flags: c.source === 'float' ? { spectrogram_length: 171 } : undefined,
      });
      mine = res.model;
      variables = res.report.variables;
      expect(res.report.contract.ok, res.report.contract.problems.join('; ')).toBe(true);
      golden = readModel(new Uint8Array(readFileSync(`${dir}/golden.tflite`)));
      calibrated = readModel(new Uint8Array(readFileSync(`${dir}/calibrated_float.tflite`)));
      pairs = pairByWeights(mine, golden);
    }, 60_000);

    // Bit-identical since batch-norm folding reproduces TF's fast-math rsqrt (src/convert/float/rsqrt.ts).
    it('has identical int8 weights and bit-identical weight scales', () => {
      expect(pairs.length).toBe(weightOps(golden).length);
      for (const [mo, go] of pairs) {
        const ms = tensor(mine, mo.inputs[1]!).quantization!;
        const gs = tensor(golden, go.inputs[1]!).quantization!;
        expect(ms.quantizedDimension).toBe(gs.quantizedDimension);
        expect(ms.scale, tensor(mine, mo.inputs[1]!).name).toEqual(gs.scale);
      }
    });

    // Float biases are bit-identical (test/convert/exactness.test.ts) and so are the input activation scales
    // (calibration reproduces TF's float kernels, src/convert/float/eval.ts), hence the int32 biases.
    it('has identical int32 biases', () => {
      let values = 0;
      for (const [mo, go] of pairs) {
        const mb = new Int32Array(bytesOf(mine, mo.inputs[2]!).slice().buffer);
        const gb = new Int32Array(bytesOf(golden, go.inputs[2]!).slice().buffer);
        expect(Array.from(mb), tensor(mine, mo.inputs[2]!).name).toEqual(Array.from(gb));
        values += mb.length;
      }
      expect(values).toBeGreaterThan(0);
    });

    it('has equal activation quantization parameters', () => {
      for (const [mo, go] of pairs) {
        const mq = tensor(mine, mo.outputs[0]!).quantization!;
        const gq = tensor(golden, go.outputs[0]!).quantization!;
        expect(mq.zeroPoint[0]).toBe(gq.zeroPoint[0]);
        expect(Math.fround(mq.scale[0]!), tensor(mine, mo.outputs[0]!).name).toBe(gq.scale[0]);
        // and the op's input side (the shared parameters of slices, concats and ring buffers)
        const mi = tensor(mine, mo.inputs[0]!).quantization!;
        const gi = tensor(golden, go.inputs[0]!).quantization!;
        expect(mi.zeroPoint[0]).toBe(gi.zeroPoint[0]);
        expect(Math.fround(mi.scale[0]!), tensor(mine, mo.inputs[0]!).name).toBe(gi.scale[0]);
      }
      const sg = mine.subgraphs[0]!;
      const gsg = golden.subgraphs[0]!;
      expect(tensor(mine, sg.inputs[0]!).quantization).toMatchObject({ zeroPoint: [-128] });
      expect(Math.fround(tensor(mine, sg.inputs[0]!).quantization!.scale[0]!)).toBe(Math.fround(gsg.tensors[gsg.inputs[0]!]!.quantization!.scale[0]!));
      const out = tensor(mine, sg.outputs[0]!);
      expect(out.type).toBe(TensorType.UINT8);
      expect(out.quantization).toMatchObject({ scale: [1 / 256], zeroPoint: [0] });
    });

    it('has the same operator multiset, tensor shapes and state variables', () => {
      expect(opCounts(mine)).toEqual(opCounts(golden));
      for (const g of [0, 1]) expect(mine.subgraphs[g]!.operators.length).toBe(golden.subgraphs[g]!.operators.length);
      const shapes = (m: TfliteModel) => m.subgraphs[0]!.operators.flatMap((o) => o.outputs.map((i) => tensor(m, i).shape.join('x'))).sort();
      expect(shapes(mine)).toEqual(shapes(golden));
      const initShapes = (m: TfliteModel) => m.subgraphs[1]!.tensors.filter((t) => t.type === TensorType.INT8).map((t) => t.shape.join('x')).sort();
      expect(initShapes(mine)).toEqual(initShapes(golden));
      expect(variables.length).toBe(golden.subgraphs[1]!.operators.length / 2);
    });

    it('has as many tensors as TensorFlow emits (identical constants shared), so the device needs no extra arena', () => {
      for (const g of [0, 1]) expect(mine.subgraphs[g]!.tensors.length).toBe(golden.subgraphs[g]!.tensors.length);
    });

    it('gives TFLM\'s outputs on probe_io.json', () => {
      const probe = JSON.parse(readFileSync(sharedPath(c.dir, 'probe_io.json'), 'utf8'));
      const expected: number[] = probe[c.probeKey];
      const input = probeInput(PROBE_SEED, expected.length * 120);
      const interp = MicroInterpreter.create(mine);
      const got = expected.map((_, i) => interp.invoke(input.subarray(i * 120, (i + 1) * 120)));
      expect(got).toEqual(expected);
    });

    it('calibrates to the ranges recorded in calibrated_float.tflite, bit for bit', async () => {
      if (c.source !== 'dir') return; // the float source is covered by the parameter checks above
      const dir = sharedPath(c.dir);
      const cfg = await loadTrainingConfig(`${dir}/training_config.yaml`);
      const flags = resolveFlags(cfg.flags, { spectrogramLength: cfg.spectrogramLength, where: 'cfg' });
      const { graph } = buildMixedNet(flags, await readKerasWeights(`${dir}/checkpoint.weights.h5`));
      const specs = await loadRawF32(`${dir}/rep_dataset.f32`, flags.spectrogramLength);
      const ranges = calibrate(graph, specs);
      // Every computing op's output, ours vs the float model's, paired by (op, filter shape, occurrence).
      const keyOf = (op: number, filter: number[] | undefined) => `${op} ${filter ?? ''}`;
      const goldKey = (o: Operator) => keyOf(code(calibrated, o), WEIGHT_OPS.includes(code(calibrated, o)) ? tensor(calibrated, o.inputs[1]!).shape : undefined);
      const seen = new Map<string, number>();
      let compared = 0;
      for (const o of graph.ops.filter((x) => COMPUTE_OPS.includes(x.op))) {
        const k = keyOf(o.op, WEIGHT_OPS.includes(o.op) ? graph.tensors[o.inputs[1]!]!.shape : undefined);
        const n = seen.get(k) ?? 0;
        seen.set(k, n + 1);
        const fo = calibrated.subgraphs[0]!.operators.filter((x) => goldKey(x) === k)[n]!;
        expect(fo, `TF op for ${k} #${n}`).toBeDefined();
        const fq = tensor(calibrated, fo.outputs[0]!).quantization!;
        const out = o.outputs[0]!;
        const name = graph.tensors[out]!.name;
        expect(Math.fround(ranges.min[out]!), `min of ${name}`).toBe(fq.min![0]);
        // TF records 1.17549435e-38 (FLT_MIN) where the observed maximum is negative; both quantize as 0.
        if (fq.max![0] === FLT_MIN) expect(ranges.max[out]!, `max of ${name}`).toBeLessThan(0);
        else expect(Math.fround(ranges.max[out]!), `max of ${name}`).toBe(fq.max![0]);
        compared++;
      }
      expect(compared).toBe(calibrated.subgraphs[0]!.operators.filter((x) => COMPUTE_OPS.includes(code(calibrated, x))).length);
    });
  }, ['golden']);
}
