/**
 * Gathers the writes asked for within one turn of the event loop and makes them as one call:
 * deliveries that end together are recorded in one Redis round trip (one pipeline) instead of
 * one each. Each caller still learns whether its own write went through.
 */
export class WriteBatcher<T> {
  private waiting: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly write: (items: T[]) => Promise<unknown>) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    this.scheduled = false;
    try {
      await this.write(batch.map((w) => w.item));
      for (const w of batch) w.resolve();
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}
