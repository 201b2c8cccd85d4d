/**
 * A minimal model of a Keras 3 functional graph, enough to reproduce how a `.weights.h5` names its groups
 * (docs/model-format.md §2): layers get `layer.name` from per-prefix counters at creation time, and the h5 key
 * `/layers/<key>` from their position in `model.layers` — sorted by depth from the output (deepest first), ties
 * broken by the first visit of a depth-first search from the output. Non-layer operations (expand_dims, +, *,
 * slicing, transpose) are graph nodes too: they change depths but get no h5 group.
 */

export interface WeightVar {
  shape: number[];
  data: Float32Array;
}

export interface KChild {
  attr: string;
  className: string;
  name: string;
  vars: WeightVar[];
}

export interface KOp {
  /** snake_case class name: the h5 key prefix (`conv2d`, `stream`, …); for non-layer ops a label. */
  className: string;
  /** `layer.name` (auto-named per prefix, e.g. `conv2d_3`). */
  name: string;
  /** Keras Layers appear in `model.layers` and the h5 file; bare ops do not. */
  isLayer: boolean;
  vars: WeightVar[];
  /**
   * Layers held as attributes, saved under `/layers/<key>/<attr>`: Stream's `cell`, SubSpectralNormalization's
   * `batch_norm`.
   */
  children: KChild[];
  inputs: KOp[];
}

/** One `/layers/<key>` group of the weights file. */
export interface KerasLayerEntry {
  key: string;
  name: string;
  className: string;
  vars: WeightVar[];
  children: { attr: string; name: string; vars: WeightVar[] }[];
}

/**
 * Keras' automatic naming, used for layer names, h5 keys and the converter's `stream_n/states` variables: the
 * first of a prefix is `prefix`, then `prefix_1`, `prefix_2`, …
 */
export class AutoNames {
  private readonly counts = new Map<string, number>();

  next(prefix: string): string {
    const n = this.counts.get(prefix) ?? 0;
    this.counts.set(prefix, n + 1);
    return n === 0 ? prefix : `${prefix}_${n}`;
  }
}

/** The inverse of AutoNames: `conv2d_3` → conv2d #3, `conv2d` → conv2d #0. */
export function parseAutoName(name: string): { prefix: string; index: number } {
  const m = /^(.*?)(?:_(\d+))?$/.exec(name)!;
  return { prefix: m[1]!, index: m[2] === undefined ? 0 : Number(m[2]) };
}

/** Creates layers and ops with Keras' automatic names (first `conv2d`, then `conv2d_1`, …). */
export class KerasSession {
  private readonly names = new AutoNames();

  /** The model input (InputLayer, a layer with no inputs). */
  input(): KOp {
    return { className: 'input_layer', name: this.names.next('input_layer'), isLayer: true, vars: [], children: [], inputs: [] };
  }

  /** A layer called on `inputs`; `vars` in Keras order (trainable, then non-trainable). */
  layer(className: string, inputs: KOp[], vars: WeightVar[] = []): KOp {
    return { className, name: this.names.next(className), isLayer: true, vars, children: [], inputs };
  }

  /**
   * A wrapper (microWakeWord's Stream) around a cell layer. The cell is constructed first (it is the
   * constructor's argument), so it takes its name before the wrapper.
   */
  wrapper(className: string, cellClass: string, cellVars: WeightVar[], inputs: KOp[]): KOp {
    const cellName = this.names.next(cellClass);
    return { className, name: this.names.next(className), isLayer: true, vars: [], children: [{ attr: 'cell', className: cellClass, name: cellName, vars: cellVars }], inputs };
  }

  /**
   * A layer that creates a sub-layer in its own constructor after `super().__init__` (microWakeWord's
   * SubSpectralNormalization and its `batch_norm`): the parent takes its name first.
   */
  owner(className: string, attr: string, childClass: string, childVars: WeightVar[], inputs: KOp[]): KOp {
    const name = this.names.next(className);
    return { className, name, isLayer: true, vars: [], children: [{ attr, className: childClass, name: this.names.next(childClass), vars: childVars }], inputs };
  }

  /** A bare operation on Keras tensors (not a Layer): no h5 group, but part of the graph's depth. */
  op(label: string, inputs: KOp[]): KOp {
    return { className: label, name: label, isLayer: false, vars: [], children: [], inputs };
  }
}

/** `model.layers` in Keras' order for a single-output functional model. */
export function modelLayers(output: KOp): KOp[] {
  const firstVisit = new Map<KOp, number>();
  const finished = new Set<KOp>();
  const postOrder: KOp[] = [];
  // Iterative DFS (inputs visited in call order) so deep models cannot overflow the stack.
  const stack: { op: KOp; next: number }[] = [];
  const enter = (op: KOp) => {
    if (finished.has(op)) return;
    if (!firstVisit.has(op)) firstVisit.set(op, firstVisit.size);
    stack.push({ op, next: 0 });
  };
  enter(output);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next < top.op.inputs.length) {
      const inp = top.op.inputs[top.next++]!;
      if (!finished.has(inp) && !stack.some((s) => s.op === inp)) enter(inp);
      continue;
    }
    stack.pop();
    if (!finished.has(top.op)) {
      finished.add(top.op);
      postOrder.push(top.op);
    }
  }
  // Depth = longest path to the output; reverse post-order visits every consumer before its inputs.
  const depth = new Map<KOp, number>();
  for (const op of postOrder.slice().reverse()) {
    const d = depth.get(op) ?? 0;
    depth.set(op, d);
    for (const inp of op.inputs) depth.set(inp, Math.max(d + 1, depth.get(inp) ?? 0));
  }
  return postOrder
    .filter((op) => op.isLayer)
    .sort((a, b) => depth.get(b)! - depth.get(a)! || firstVisit.get(a)! - firstVisit.get(b)!);
}

/** The `/layers/<key>` entries of the weights file: keys numbered per class in `model.layers` order. */
export function h5Entries(output: KOp): KerasLayerEntry[] {
  const keys = new AutoNames();
  return modelLayers(output).map((op) => {
    const key = keys.next(op.className);
    return { key, name: op.name, className: op.className, vars: op.vars, children: op.children.map((c) => ({ attr: c.attr, name: c.name, vars: c.vars })) };
  });
}
