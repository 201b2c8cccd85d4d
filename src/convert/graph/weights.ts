/**
 * Hands out checkpoint layers in Keras creation order and checks each against the shape the architecture
 * expects, so a mismatch names the h5 path, the layer and expected vs found.
 */
import { MwwError } from '../../errors.js';
import { layersOfClass, type H5Layer, type H5Var, type KerasWeights } from '../h5.js';

export class WeightCursor {
  private readonly queues = new Map<string, H5Layer[]>();
  private readonly used = new Set<string>();
  constructor(private readonly w: KerasWeights) {}

  /** The next layer of a class, in creation order. `what` describes its role for messages. */
  next(className: string, what: string): H5Layer {
    let q = this.queues.get(className);
    if (!q) {
      q = layersOfClass(this.w, className).filter((l) => className !== 'stream' || (l.children.cell?.vars.length ?? 0) > 0);
      this.queues.set(className, q);
    }
    const l = q.shift();
    if (!l) {
      const have = layersOfClass(this.w, className).length;
      throw new MwwError('input', `missing layer: the architecture needs another ${className} layer for ${what}, but the checkpoint has only ${have} (/layers/${className}…); the flags do not match the weights`, { where: this.w.file });
    }
    this.used.add(l.key);
    return l;
  }

  /** Check a variable's shape; `layer` and `role` go into the message. */
  expect(v: H5Var | undefined, layer: H5Layer, index: number, expected: number[], role: string): Float32Array {
    const child = Object.entries(layer.children).find(([, c]) => c.vars.includes(v!))?.[0];
    const path = `/layers/${layer.key}${child ? `/${child}` : ''}/vars/${index}`;
    if (!v) throw new MwwError('input', `missing dataset ${path} (${role} of layer ${layer.name ?? layer.key}); expected shape [${expected}]`, { where: this.w.file });
    if (v.shape.length !== expected.length || v.shape.some((d, i) => d !== expected[i])) {
      throw new MwwError('input', `wrong shape at ${v.path} (${role} of layer ${layer.name ?? layer.key}): expected [${expected}], found [${v.shape}]; the flags do not match the weights`, {
        where: this.w.file,
        details: { h5Path: v.path, layer: layer.name ?? layer.key, expected, found: v.shape },
      });
    }
    return v.data;
  }

  /** Layers with weights nobody consumed: the flags describe a smaller model than the checkpoint holds. */
  unused(): H5Layer[] {
    return [...this.w.layers.values()].filter((l) => !this.used.has(l.key) && (l.vars.length > 0 || Object.values(l.children).some((c) => c.vars.length > 0)));
  }
}
