import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { Partition, partitionKey, Partitions, REDIS } from '@app/platform';

/**
 * How long a body outlives its last delivery: as long as BullMQ keeps a completed delivery job
 * (24 h, see the deliveries queue's `removeOnComplete`), because Bull Board can retry a
 * completed job, and a delivery whose job was not yet marked completed when its replica died
 * runs again.
 */
export const BODY_KEPT_AFTER_LAST_DELIVERY_MS = 24 * 3600 * 1000;

/** The hash field that holds the body; every other field is a delivery id (they hold a dot). */
const BODY = 'body';

/**
 * The serialised envelope of each event, stored once however many endpoints it goes to (the
 * delivery jobs hold only the event id), with the deliveries that still need it.
 *
 * Redis layout (under the event's partition's hash tag; nobody else touches these keys):
 * - `event-body:<eventId>`: hash, `body` = the envelope's bytes as every attempt sends them,
 *   and one field per delivery job that holds it (its job id). No TTL while a delivery holds it.
 * - `event-body-index:held`: sorted set of the event ids that have holders, scored by when that
 *   was last written or checked; the sweep reads it to find holders whose job is gone.
 *
 * Lifetime:
 * - the dispatcher holds the body for each delivery job (a retry, a wait, a dead letter) before
 *   adding the job; a delivery made on its first attempt never stores it;
 * - a delivery releases it when it succeeds; a dead letter keeps holding it (it may be retried
 *   days later), and holds it again if it had been released (a completed job retried);
 * - when the last holder lets go the hash gets a TTL of `BODY_KEPT_AFTER_LAST_DELIVERY_MS`;
 * - holders whose job no longer exists (a dead letter removed in Bull Board) or has completed
 *   without releasing are dropped by the sweep (`EventBodySweeper`), a day later.
 */
@Injectable()
export class EventBodyStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly partitions: Partitions,
  ) {}

  /**
   * Stores the body (the same bytes again if it is there) held by `deliveryIds`, in one
   * transaction: Redis refusing the write (out of memory) leaves nothing half-written.
   */
  async hold(eventId: string, body: string, deliveryIds: string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    const key = this.bodyKey(eventId);
    const holders = deliveryIds.flatMap((id) => [id, '1']);
    await this.exec(
      this.redis
        .multi()
        .hset(key, BODY, body, ...holders)
        .persist(key)
        .zadd(this.heldKey(eventId), Date.now(), eventId),
    );
  }

  /** The body every attempt of the event's deliveries sends, or null if it is gone. */
  read(eventId: string): Promise<string | null> {
    return this.redis.hget(this.bodyKey(eventId), BODY);
  }

  /**
   * Lets go of the body for one delivery; the last one to let go starts its expiry. Pipelines,
   * not transactions: Redis out of memory refuses every command of a transaction, but not
   * these, which free memory. Two releases at once are safe: the HLEN after the last HDEL
   * sees no holder left.
   */
  async release(eventId: string, deliveryId: string): Promise<void> {
    const key = this.bodyKey(eventId);
    const [, fields] = await this.exec(this.redis.pipeline().hdel(key, deliveryId).hlen(key));
    // Only `body` left: nobody holds it. (0: already gone.)
    if (fields !== 1) return;
    const [, , after] = await this.exec(
      this.redis.pipeline().pexpire(key, BODY_KEPT_AFTER_LAST_DELIVERY_MS).zrem(this.heldKey(eventId), eventId).hlen(key),
    );
    // A hold that came in between (a dead letter holding it again) wins.
    if (after > 1) await this.exec(this.redis.multi().persist(key).zadd(this.heldKey(eventId), Date.now(), eventId));
  }

  /** Events of `partition` whose holders were last written or checked before `before`, oldest first. */
  heldSince(partition: Partition, before: number, limit: number): Promise<string[]> {
    return this.redis.zrange(partitionKey(partition, 'event-body-index', 'held'), '-inf', `(${before}`, 'BYSCORE', 'LIMIT', 0, limit);
  }

  /** The delivery ids that hold an event's body. */
  async holders(eventId: string): Promise<string[]> {
    return (await this.redis.hkeys(this.bodyKey(eventId))).filter((field) => field !== BODY);
  }

  /** Notes that an event's holders were checked, so the sweep comes back to it a day later. */
  async checked(eventId: string): Promise<void> {
    // XX: never brings back an event whose last holder let go meanwhile.
    await this.redis.zadd(this.heldKey(eventId), 'XX', Date.now(), eventId);
  }

  /** Drops an event that has no holders left from the sweep's index. */
  async forget(eventId: string): Promise<void> {
    await this.redis.zrem(this.heldKey(eventId), eventId);
  }

  private async exec(commands: ReturnType<Redis['pipeline']>): Promise<number[]> {
    let results: [Error | null, unknown][];
    try {
      results = (await commands.exec()) ?? [];
    } catch (err) {
      // EXECABORT only says that a queued command was refused; why (OOM...) is the cause.
      throw (err as { previousErrors?: Error[] }).previousErrors?.[0] ?? err;
    }
    for (const [err] of results) if (err) throw err;
    return results.map(([, value]) => value as number);
  }

  private bodyKey(eventId: string): string {
    return partitionKey(this.partitions.of(eventId), 'event-body', eventId);
  }

  // The index of the event's partition.
  private heldKey(eventId: string): string {
    return partitionKey(this.partitions.of(eventId), 'event-body-index', 'held');
  }
}
