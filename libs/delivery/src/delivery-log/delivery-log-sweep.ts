import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

/** How often the global indexes are trimmed, by one replica (the others find the lock taken). */
export const DELIVERY_LOG_SWEEP_EVERY_MS = 60_000;
/** Entries removed per command: a large backlog (a retention just shortened) never blocks Redis long. */
const CHUNK = 10_000;

/**
 * Keeps the delivery log's global indexes (`all`, one per status) to the retention. Records and
 * the per-event and per-entity indexes expire on their own (TTL); these indexes are written
 * all the time, so a TTL on them would never fire: their old entries are removed here, once a
 * minute, instead of by every write. Readers already skip entries past the retention,
 * so a sweep late or missed shows nothing old; it only holds memory longer.
 */
export class DeliveryLogSweep {
  private readonly logger = new Logger('DeliveryLog');
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly redis: Redis,
    private readonly lockKey: string,
    private readonly indexKeys: string[],
    private readonly retentionMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.run(), DELIVERY_LOG_SWEEP_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /**
   * Removes index entries created before the retention, unless a replica already swept within
   * the last period (`SET NX PX` on the lock, never released: it expires, so the period holds
   * across replicas). Returns how many entries went, or null when the lock was taken.
   */
  async sweep(): Promise<number | null> {
    const locked = await this.redis.set(this.lockKey, String(Date.now()), 'PX', DELIVERY_LOG_SWEEP_EVERY_MS, 'NX');
    if (locked === null) return null;
    const cutoff = Date.now() - this.retentionMs;
    let removed = 0;
    for (const key of this.indexKeys) removed += await this.trim(key, cutoff);
    return removed;
  }

  /** Removes the entries of one index scored at or below `cutoff`, at most about CHUNK per command. */
  private async trim(key: string, cutoff: number): Promise<number> {
    let removed = 0;
    for (;;) {
      // The score of the CHUNK-th oldest expired entry, if there are that many, bounds this step.
      const edge = await this.redis.zrange(key, '-inf', cutoff, 'BYSCORE', 'LIMIT', CHUNK - 1, 1, 'WITHSCORES');
      removed += await this.redis.zremrangebyscore(key, '-inf', edge.length > 0 ? edge[1] : cutoff);
      if (edge.length === 0) return removed;
    }
  }

  private run(): void {
    if (this.running) return;
    this.running = this.sweep()
      .catch((err: Error) => this.logger.warn(`Delivery log sweep failed, will try again: ${err.message}`))
      .finally(() => (this.running = undefined));
  }
}
