/**
 * Every MixedNet option and Inception, as generated checkpoints: each converts, loads in mww's TFLM-exact
 * runtime, streams several invokes, passes ESPHome's contract and gets an arena size; option-specific ops are
 * present (ADD for residual connections, pools for pooled / spatial attention, MUL for spatial attention).
 */
import { describe, expect, it } from 'vitest';
import { convertCheckpoint } from '../../src/convert/index.js';
import type { RawFlags } from '../../src/convert/config.js';
import { MicroInterpreter } from '../../src/micro/interpreter.js';
import { checkEsphomeContract } from '../../src/micro/contract.js';
import { computeArena } from '../../src/micro/arena/index.js';
import { mulberry32 } from '../../src/util/prng.js';
import { SMALL_MIXEDNET, writeFixture } from './fixtures.js';

const base = SMALL_MIXEDNET;

interface Case {
  name: string;
  flags: RawFlags;
  length?: number;
  stride: number;
  ops?: string[];
  absent?: string[];
  variables?: number;
}

const cases: Case[] = [
  { name: 'base', flags: {}, stride: 3, absent: ['ADD', 'MUL', 'AVERAGE_POOL_2D', 'MAX_POOL_2D', 'SPLIT_V'], variables: 3 }, // first conv k=3=stride needs no buffer; 2 mixconv + head,
  { name: 'pooled-avg', flags: { pooled: 1 }, stride: 3, ops: ['AVERAGE_POOL_2D'], absent: ['MAX_POOL_2D'] },
  { name: 'pooled-max', flags: { pooled: 1, max_pool: 1 }, stride: 3, ops: ['MAX_POOL_2D'], absent: ['AVERAGE_POOL_2D'] },
  { name: 'repeat', flags: { repeat_in_block: '2,1' }, stride: 3, variables: 4 },
  { name: 'residual-mix', flags: { residual_connection: '1,0' }, stride: 3, ops: ['ADD'] },
  { name: 'residual-repeat', flags: { residual_connection: '1,1', repeat_in_block: '2,1' }, stride: 3, ops: ['ADD'] },
  { name: 'spatial-attention', flags: { spatial_attention: 1 }, length: 50, stride: 3, ops: ['AVERAGE_POOL_2D', 'MAX_POOL_2D', 'MUL'] },
  { name: 'spatial-pooled', flags: { spatial_attention: 1, pooled: 1 }, length: 50, stride: 3, ops: ['MUL', 'AVERAGE_POOL_2D'] },
  { name: 'three-kernels', flags: { pointwise_filters: '10,12', mixconv_kernel_sizes: '[3,5,7], [9]' }, length: 50, stride: 3, ops: ['SPLIT_V'] },
  { name: 'kernel-one', flags: { pointwise_filters: '6,10,12', repeat_in_block: '1,1,1', residual_connection: '0,0,0', mixconv_kernel_sizes: '[1], [3,5], [1,3]' }, stride: 3, ops: ['SPLIT_V'] },
  { name: 'stride-1', flags: { stride: 1, first_conv_kernel_size: 3 }, length: 30, stride: 1 },
  { name: 'stride-2', flags: { stride: 2, first_conv_kernel_size: 4 }, length: 30, stride: 2 },
  { name: 'stride-4', flags: { stride: 4, first_conv_kernel_size: 5 }, length: 60, stride: 4 },
  { name: 'stride-4-k4', flags: { stride: 4, first_conv_kernel_size: 4 }, length: 60, stride: 4, variables: 3 }, // k=4=stride: no first-conv buffer,
  { name: 'no-first-conv', flags: { first_conv_filters: 0, stride: 1 }, length: 30, stride: 1 },
  { name: 'residual-spatial-pooled-max', flags: { residual_connection: '0,1', spatial_attention: 1, pooled: 1, max_pool: 1 }, length: 50, stride: 3, ops: ['ADD', 'MUL', 'MAX_POOL_2D'] },
  {
    name: 'inception',
    flags: {
      model_name: 'inception',
      stride: 1,
      cnn1_filters: '8',
      cnn1_kernel_sizes: '3',
      cnn1_subspectral_groups: '2',
      cnn2_filters1: '4,4',
      cnn2_filters2: '6,6',
      cnn2_kernel_sizes: '3,3',
      cnn2_subspectral_groups: '1,2',
      cnn2_dilation: '1,1',
    },
    length: 30,
    stride: 1,
    ops: ['CONCATENATION', 'FULLY_CONNECTED'],
    variables: 8, // cnn1 buffer, 3 per block (branch 2: 1, branch 3: 2) × 2, the Flatten head
  },
];

describe('generated fixtures: every MixedNet option and Inception convert, run and pass the contract', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const flags = c.flags.model_name === 'inception' ? c.flags : { ...base, ...c.flags };
      const dir = await writeFixture(c.name, { flags, spectrogramLength: c.length ?? 40 });
      const { model, report } = await convertCheckpoint({ source: dir, calibration: ['synthetic'] });
      expect(report.stride).toBe(c.stride);
      expect(report.contract.problems).toEqual([]);
      expect(report.contract.ok).toBe(true);
      expect(report.calibration.synthetic).toBe(true);
      expect(report.notes.join(' ')).toMatch(/SYNTHETIC/);
      for (const op of c.ops ?? []) expect(report.ops[op], op).toBeGreaterThan(0);
      for (const op of c.absent ?? []) expect(report.ops[op], op).toBeUndefined();
      if (c.variables !== undefined) expect(report.variables.length).toBe(c.variables);
      expect(report.variableArena.fits).toBe(true);

      const interp = MicroInterpreter.create(model);
      expect(interp.inputShape).toEqual([1, c.stride, 40]);
      const r = mulberry32(0xf17e + c.name.length);
      const outs: number[] = [];
      for (let i = 0; i < 12; i++) {
        const x = Int8Array.from({ length: c.stride * 40 }, () => Math.floor(r() * 256) - 128);
        const y = interp.invoke(x);
        expect(Number.isInteger(y) && y >= 0 && y <= 255).toBe(true);
        outs.push(y);
      }
      // The state is carried: after reset the same stream gives the same outputs.
      interp.reset();
      const r2 = mulberry32(0xf17e + c.name.length);
      for (let i = 0; i < 12; i++) {
        const x = Int8Array.from({ length: c.stride * 40 }, () => Math.floor(r2() * 256) - 128);
        expect(interp.invoke(x)).toBe(outs[i]);
      }
      expect(checkEsphomeContract(model).ok).toBe(true);
      const arena = computeArena(model, { chip: 'esp32s3', espNn: '1.2.3' });
      expect(arena.min).toBeGreaterThan(0);
    }, 30_000);
  }
});
