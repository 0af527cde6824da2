import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

/** How often the global indexes are trimmed, by one replica (the others find the lock taken). */
export const DELIVERY_LOG_SWEEP_EVERY_MS = 60_000;
/** Entries removed per command: a large backlog (a retention just shortened) never blocks Redis long. */
const CHUNK = 10_000;

/** The indexes a sweep trims, of every partition. */
export interface SweptIndexes {
  /** The indexes of all deliveries: each entry trimmed takes its deliveries' `ownerEntries` with it. */
  all: string[];
  /** Indexes trimmed by score alone. */
  byScore: string[];
  /** The owners index entries of the delivery an `all` member names, created at `createdAt`. */
  ownerEntries(member: string, createdAt: number): { key: string; member: string }[];
}

/**
 * Keeps the delivery log's indexes (`all`, one per status, the owners index) to the retention.
 * Records expire on their own (TTL); these indexes are written all the time, so a TTL on them
 * would never fire: their old entries are removed here, once a minute, instead of by every
 * write. Readers already skip entries past the retention, so a sweep late or missed shows
 * nothing old; it only holds memory longer.
 *
 * The owners index is lex-ordered by owner, so its old entries are found through `all`, whose
 * entries are by time: each `all` member names its delivery and entity, and its score is the
 * creation time, all the owner members hold (the record, which has them too, may have expired).
 */
export class DeliveryLogSweep {
  private readonly logger = new Logger('DeliveryLog');
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly redis: Redis,
    private readonly lockKey: string,
    private readonly retentionMs: number,
    private readonly indexes: SweptIndexes,
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
   * across replicas). Returns how many entries of `all` and the status indexes went (with
   * those of `all`, their owners index entries), or null when the lock was taken.
   */
  async sweep(): Promise<number | null> {
    const locked = await this.redis.set(this.lockKey, String(Date.now()), 'PX', DELIVERY_LOG_SWEEP_EVERY_MS, 'NX');
    if (locked === null) return null;
    const cutoff = Date.now() - this.retentionMs;
    let removed = 0;
    for (const key of this.indexes.all) removed += await this.trimAll(key, cutoff);
    for (const key of this.indexes.byScore) removed += await this.trim(key, cutoff);
    return removed;
  }

  /**
   * Removes the entries of an index of all deliveries scored at or below `cutoff`, CHUNK at a
   * time, each chunk's owners index entries first: a sweep cut short leaves them to the next.
   */
  private async trimAll(key: string, cutoff: number): Promise<number> {
    let removed = 0;
    for (;;) {
      const flat = await this.redis.zrange(key, '-inf', cutoff, 'BYSCORE', 'LIMIT', 0, CHUNK, 'WITHSCORES');
      if (flat.length === 0) return removed;
      const members: string[] = [];
      const owned = new Map<string, string[]>();
      for (let i = 0; i < flat.length; i += 2) {
        members.push(flat[i]);
        for (const entry of this.indexes.ownerEntries(flat[i], Number(flat[i + 1]))) {
          const group = owned.get(entry.key);
          if (group) group.push(entry.member);
          else owned.set(entry.key, [entry.member]);
        }
      }
      for (const [ownersKey, ownerMembers] of owned) await this.redis.zrem(ownersKey, ...ownerMembers);
      removed += await this.redis.zrem(key, ...members);
      if (members.length < CHUNK) return removed;
    }
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
