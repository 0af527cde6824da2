/**
 * A memo of at most `size` entries, for module-level caches of work that is costly to redo and
 * cheap to keep (a compiled pattern, a set built from a list, a context's weight). When full,
 * the oldest entry goes: no timer, no bookkeeping on a hit, memory bounded whatever the input.
 * Imported by its path (`@app/platform/memory/bounded-cache`), not through the index, so pure
 * code that uses it (and its unit tests) loads no Redis client or Nest module.
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly size: number) {}

  /** The value kept for `key`, or the one `make` gives, kept for the next time. */
  get(key: K, make: (key: K) => V): V {
    const kept = this.entries.get(key);
    if (kept !== undefined || this.entries.has(key)) return kept as V;
    const value = make(key);
    if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, value);
    return value;
  }
}
