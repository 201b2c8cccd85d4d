/**
 * Deterministic weight initialisation for generated checkpoints (demo, test fixtures): Glorot-like uniform
 * kernels, small biases, and batch-norm statistics in a sane range (gamma ≈ 1, variance in [0.5, 1.5]), all
 * from one seeded mulberry32 stream so the same seed always gives byte-identical files.
 */
import { mulberry32 } from '../../util/prng.js';

export type WeightRole = 'kernel' | 'bias' | 'gamma' | 'beta' | 'moving_mean' | 'moving_variance';

/** Produces the values of one weight given its role, Keras shape and fan-in. */
export type WeightInit = (role: WeightRole, shape: number[], fanIn: number) => Float32Array;

export function seededInit(seed: number): WeightInit {
  const rand = mulberry32(seed);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rand();
  return (role, shape, fanIn) => {
    const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const limit = Math.sqrt(3 / Math.max(1, fanIn));
    for (let i = 0; i < out.length; i++) {
      switch (role) {
        case 'kernel':
          out[i] = uniform(-limit, limit);
          break;
        case 'bias':
          out[i] = uniform(-0.05, 0.05);
          break;
        case 'gamma':
          out[i] = uniform(0.8, 1.2);
          break;
        case 'beta':
          out[i] = uniform(-0.1, 0.1);
          break;
        case 'moving_mean':
          out[i] = uniform(-0.2, 0.2);
          break;
        case 'moving_variance':
          out[i] = uniform(0.5, 1.5);
          break;
      }
    }
    return out;
  };
}
