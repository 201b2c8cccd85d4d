/**
 * Deterministic weight initialisation for generated checkpoints (demo, test fixtures): Glorot-like uniform
 * kernels, small biases, and batch-norm statistics in a sane range (gamma ≈ 1, variance in [0.5, 1.5]), all
 * from one seeded mulberry32 stream so the same seed always gives byte-identical files.
 */
import { mulberry32 } from '../../util/prng.js';
import { elementCount } from '../../micro/tensor.js';

export type WeightRole = 'kernel' | 'bias' | 'gamma' | 'beta' | 'moving_mean' | 'moving_variance';

/** Produces the values of one weight given its role, Keras shape and fan-in. */
export type WeightInit = (role: WeightRole, shape: number[], fanIn: number) => Float32Array;

/** Uniform range of every non-kernel role (kernels use ±sqrt(3 / fan-in)). */
const RANGES: Record<Exclude<WeightRole, 'kernel'>, [number, number]> = {
  bias: [-0.05, 0.05],
  gamma: [0.8, 1.2],
  beta: [-0.1, 0.1],
  moving_mean: [-0.2, 0.2],
  moving_variance: [0.5, 1.5],
};

export function seededInit(seed: number): WeightInit {
  const rand = mulberry32(seed);
  return (role, shape, fanIn) => {
    const limit = Math.sqrt(3 / Math.max(1, fanIn));
    const [lo, hi] = role === 'kernel' ? [-limit, limit] : RANGES[role];
    const out = new Float32Array(elementCount(shape));
    for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * rand();
    return out;
  };
}
