/** The golden probes' input stream (golden/README.md): int8 = floor(u / 2^32 · 256) − 128 for successive mulberry32 outputs u. */
import { mulberry32 } from '../../src/util/prng.js';

export function probeInput(seed: number, count: number): Int8Array {
  const next = mulberry32(seed);
  const out = new Int8Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.floor(next() * 256) - 128;
  return out;
}

/** The seed every golden probe_io.json was generated with. */
export const PROBE_SEED = 0xc0ffee;
