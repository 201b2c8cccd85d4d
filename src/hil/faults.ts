import { mulberry32 } from '../util/prng.js';
/**
 * Frame-level fault injection for the HIL protocol, deterministic so a failing run can be replayed.
 * Frames are counted per direction from 0 (every frame, control and audio alike). A frame listed in `drop` is
 * lost; one listed in `corrupt` has one payload byte flipped (its CRC then fails on the receiving side).
 * `dropRate`/`corruptRate` add seeded random faults on top.
 */
export interface FramePlan {
  drop?: number[];
  corrupt?: number[];
  dropRate?: number;
  corruptRate?: number;
  seed?: number;
}

export class FrameFaults {
  private n = 0;
  private rng: () => number;
  readonly fired = { drop: 0, corrupt: 0 };

  constructor(private readonly plan: FramePlan = {}) {
    this.rng = mulberry32(plan.seed ?? 1);
  }

  /** Apply the plan to the next frame; returns the bytes to deliver (null when dropped). */
  apply(frame: Uint8Array): Uint8Array | null {
    const i = this.n++;
    const r = this.plan.dropRate || this.plan.corruptRate ? this.rng() : 1;
    if (this.plan.drop?.includes(i) || r < (this.plan.dropRate ?? 0)) {
      this.fired.drop++;
      return null;
    }
    if (this.plan.corrupt?.includes(i) || r < (this.plan.dropRate ?? 0) + (this.plan.corruptRate ?? 0)) {
      this.fired.corrupt++;
      const out = frame.slice();
      // Flip a byte after the header (the header has its own check; hitting the payload or CRC exercises CRC-32).
      const at = Math.min(out.length - 1, 5 + (i % Math.max(1, out.length - 5)));
      out[at] = out[at]! ^ 0x5a;
      return out;
    }
    return frame;
  }
}

