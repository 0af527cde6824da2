/**
 * Gathers writes and makes them as one call: deliveries that end together are recorded in one
 * Redis round trip (one pipeline) instead of one each. Each caller still learns whether its own
 * write went through.
 *
 * One call is under way at a time: what is asked for meanwhile waits for it to end and then goes
 * as the next call, so the busier the dispatcher, the larger the batches. A call for each turn of
 * the event loop that had any made small ones (replies come back a few per turn), each a write
 * to Redis (docs/performance.md, "The delivery log in fewer writes to Redis").
 */
export class WriteBatcher<T> {
  private waiting: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  /** A call is scheduled or under way. */
  private busy = false;

  constructor(private readonly write: (items: T[]) => Promise<unknown>) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.busy) return;
      this.busy = true;
      setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    try {
      await this.write(batch.map((w) => w.item));
      for (const w of batch) w.resolve();
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
    if (this.waiting.length > 0) setImmediate(() => void this.flush());
    else this.busy = false;
  }
}
