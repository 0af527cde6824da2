/**
 * A least-recently-used cache bounded by the total weight of its entries (not by their number):
 * once the weights add up to more than `capacity`, the least recently used entries are dropped,
 * the newest one always kept. A Map keeps insertion order, which is the order of use here.
 */
export class WeighedLru<V> {
  private readonly entries = new Map<string, { value: V; weight: number }>();
  private total = 0;

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Adds (or replaces) an entry and returns its value. */
  set(key: string, value: V, weight: number): V {
    const replaced = this.entries.get(key);
    if (replaced) {
      this.entries.delete(key);
      this.total -= replaced.weight;
    }
    this.entries.set(key, { value, weight });
    this.total += weight;
    for (const [oldKey, old] of this.entries) {
      if (this.total <= this.capacity || oldKey === key) break;
      this.entries.delete(oldKey);
      this.total -= old.weight;
    }
    return value;
  }
}
