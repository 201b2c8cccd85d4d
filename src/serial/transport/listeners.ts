/** Tiny listener set used by the transports. */
export class Listeners<T extends unknown[]> {
  private set = new Set<(...args: T) => void>();
  add(fn: (...args: T) => void): () => void {
    this.set.add(fn);
    return () => this.set.delete(fn);
  }
  emit(...args: T): void {
    for (const fn of [...this.set]) fn(...args);
  }
}
