/**
 * Runs `work` at most once per `intervalMs`, however many callers ask: a caller within the
 * interval of the last run gets that run's result, callers during a run share it. What an open
 * endpoint (`/health`, `/metrics`) reads from Redis is bounded this way by the clock, not by
 * how often, or by how many clients, it is called.
 */
export class OncePerInterval<T> {
  private last?: { at: number; value: Promise<T> };

  constructor(
    private readonly intervalMs: number,
    private readonly work: () => Promise<T>,
  ) {}

  get(): Promise<T> {
    const now = Date.now();
    if (this.last && now - this.last.at < this.intervalMs) return this.last.value;
    const value = this.work();
    this.last = { at: now, value };
    // The interval counts from the end of the run, so a slow Redis is not asked back to back.
    const finished = () => {
      if (this.last?.value === value) this.last.at = Date.now();
    };
    value.then(finished, finished);
    return value;
  }
}
