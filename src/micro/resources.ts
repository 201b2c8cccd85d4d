/**
 * TFLM's MicroResourceVariables: resource variables named by (container, shared_name), shared by every subgraph.
 * A variable's buffer is allocated when the first ASSIGN_VARIABLE that writes it is prepared (its size is that
 * value's size), zero-filled, and zero-filled again by reset().
 */
/** How TFLM's MicroResourceVariables tells variables apart: the (container, shared_name) pair. */
export function resourceKey(container: string, sharedName: string): string {
  return `${container}\u0000${sharedName}`;
}

export class ResourceVariables {
  private readonly keys: string[] = [];
  private readonly names: string[] = [];
  /** Buffer per variable id; null until an ASSIGN_VARIABLE was prepared for it. */
  readonly buffers: Array<Uint8Array | null> = [];

  /** The id of (container, sharedName), created when not yet known (TFLM CreateIdIfNoneFound). */
  idFor(container: string, sharedName: string): number {
    const key = resourceKey(container, sharedName);
    const found = this.keys.indexOf(key);
    if (found >= 0) return found;
    this.keys.push(key);
    this.names.push(container ? `${container}/${sharedName}` : sharedName);
    this.buffers.push(null);
    return this.keys.length - 1;
  }

  get count(): number {
    return this.keys.length;
  }

  name(id: number): string {
    return this.names[id] ?? `#${id}`;
  }

  /** Allocates variable `id` with `bytes` bytes if it has no buffer yet; returns the buffer. */
  allocate(id: number, bytes: number): Uint8Array {
    let buf = this.buffers[id];
    if (!buf) {
      buf = new Uint8Array(bytes);
      this.buffers[id] = buf;
    }
    return buf;
  }

  resetAll(): void {
    for (const b of this.buffers) b?.fill(0);
  }
}
