import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import Redis, { ChainableCommander } from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS, redisKey } from '@app/platform';
import { DeliveryJobData } from '../delivery-job';
import { AttemptRecord, DELIVERY_STATUSES, DeliveryRecord, DeliveryStatus } from './delivery-record';
import { INTERSECT_PAGE, RECORD_ATTEMPT, RECORD_QUEUED } from './delivery-log-scripts';
import { DeliveryLogSweep } from './delivery-log-sweep';

export interface DeliveryFilter {
  eventId?: string;
  entityId?: string;
  status?: DeliveryStatus;
}

/** One attempt to record with `DeliveryLog.recordAttempts`. */
export interface AttemptEntry {
  id: string;
  data: DeliveryJobData;
  attempt: Omit<AttemptRecord, 'series'>;
  /** The delivery's status after this attempt: `delivered`, `retrying` or `failed`. */
  status: DeliveryStatus;
  /**
   * True only when nothing was ever logged for this delivery: the first run of its job
   * (`job.attemptsStarted === 1`: the retry paths keep that count, so a retried dead letter
   * never looks new) and no `recordQueued` for it. Then the attempt is attempt 1 of series 1
   * and is written without reading anything. A first attempt after a `recordQueued`, or any
   * later one, passes false. If the write fails, record the attempt again with false.
   */
  first: boolean;
}

/** Attempts kept per delivery (the latest ones); a delivery retried for ever stays bounded. */
export const DELIVERY_LOG_MAX_ATTEMPTS = 50;

type ScriptArgs = (string | number)[];
type ScriptedRedis = Redis & {
  cbDeliveryQueued(numKeys: number, ...keysAndArgs: ScriptArgs): Promise<void>;
  cbDeliveryIntersect(numKeys: number, ...keysAndArgs: ScriptArgs): Promise<string[]>;
};
type ScriptedPipeline = ChainableCommander & { cbDeliveryAttempt(...keysAndArgs: ScriptArgs): ScriptedPipeline };

/** The part of a record that never changes, stored once as JSON. */
type DeliveryMeta = Pick<DeliveryRecord, 'id' | 'eventId' | 'eventType' | 'entity' | 'endpoint'>;

/**
 * The delivery log: every delivery and every attempt, with bounded retention. Written by the
 * dispatcher (and by the api for transactional callbacks), read by the deliveries API.
 *
 * Redis layout (all under the product's hash tag, so the scripts are legal on Redis Cluster):
 * - `delivery:<id>`: hash `meta` (JSON of the fixed fields), `status`, `series`, `createdAt`,
 *   `updatedAt`, and `attempt` (the JSON of its only attempt, while it has one); TTL =
 *   retention, refreshed on each write.
 * - `delivery:<id>:attempts`: list of attempt JSON, the last 50, from the second attempt on
 *   (which moves the first here); same TTL.
 * - `delivery-index:all`, `delivery-index:status:<status>`: sorted sets of ids by createdAt,
 *   trimmed past the retention once a minute by one replica (`DeliveryLogSweep`).
 * - `delivery-index:event:<eventId>`, `delivery-index:entity:<entityId>`: the same per event and
 *   per negotiation/transfer, expiring after the retention (TTL set when an entry is added).
 * - `delivery-index:sweep`: the sweep's lock.
 *
 * Lists read only entries younger than the retention (older ones may have lost their record),
 * and skip any id whose record is gone.
 */
@Injectable()
export class DeliveryLog implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly redis: ScriptedRedis;
  private readonly retentionMs: number;
  private readonly sweeper: DeliveryLogSweep;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    redis.defineCommand('cbDeliveryQueued', { lua: RECORD_QUEUED });
    redis.defineCommand('cbDeliveryAttempt', { numberOfKeys: 9, lua: RECORD_ATTEMPT });
    redis.defineCommand('cbDeliveryIntersect', { lua: INTERSECT_PAGE });
    this.redis = redis as ScriptedRedis;
    this.retentionMs = config.deliveryLogRetentionMs;
    this.sweeper = new DeliveryLogSweep(redis, redisKey(config, 'delivery-index', 'sweep'), [this.allKey(), ...this.statusKeys()], this.retentionMs);
  }

  onApplicationBootstrap(): void {
    this.sweeper.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sweeper.stop();
  }

  /** Trims the global indexes now (see `DeliveryLogSweep.sweep`); the app does it once a minute. */
  sweep(): Promise<number | null> {
    return this.sweeper.sweep();
  }

  /**
   * Records deliveries queued before any attempt, as `pending`, in one round trip; a delivery
   * that already has a record keeps it as it is.
   */
  async recordQueued(deliveries: { id: string; data: DeliveryJobData }[]): Promise<void> {
    if (deliveries.length === 0) return;
    const now = Date.now();
    const keys = [this.allKey(), this.statusKey('pending')];
    const args: ScriptArgs = [now, this.retentionMs];
    for (const { id, data } of deliveries) {
      keys.push(this.recordKey(id), this.eventKey(data.eventId), this.entityKey(data.entity.id));
      args.push(id, JSON.stringify(meta(id, data)));
    }
    await this.redis.cbDeliveryQueued(keys.length, ...keys, ...args);
  }

  /** One attempt; see `recordAttempts` (this is its script path). */
  async recordAttempt(id: string, data: DeliveryJobData, attempt: Omit<AttemptRecord, 'series'>, status: DeliveryStatus): Promise<void> {
    await this.recordAttempts([{ id, data, attempt, status, first: false }]);
  }

  /**
   * Appends attempts and sets their deliveries' statuses (`delivered`, `retrying`, `failed`), all
   * in one round trip. A `first` attempt creates its record and index entries with plain
   * commands, the indexes shared by the batch written once (one delivered delivery alone: 8
   * commands). Any other runs a script that reads the record: an attempt on a `failed` delivery
   * opens a new series (a dead letter retried through the API or Bull Board), and the status
   * moves between indexes. `attempt.series` is filled in here.
   */
  async recordAttempts(entries: AttemptEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const now = Date.now();
    const pipeline = this.redis.pipeline() as ScriptedPipeline;
    const created = entries.filter((e) => e.first);
    if (created.length > 0) this.create(pipeline, created, now);
    for (const { id, data, attempt, status, first } of entries) {
      if (first) continue;
      pipeline.cbDeliveryAttempt(
        this.recordKey(id),
        this.attemptsKey(id),
        this.allKey(),
        this.eventKey(data.eventId),
        this.entityKey(data.entity.id),
        ...this.statusKeys(),
        id,
        JSON.stringify(meta(id, data)),
        now,
        this.retentionMs,
        attemptBody(attempt),
        status,
        DELIVERY_LOG_MAX_ATTEMPTS,
        attempt.attempt,
      );
    }
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
  }

  /**
   * Queues the writes of records that do not exist yet, each with its first attempt. Index
   * entries come first and the status indexes last: a write cut short (a dropped connection,
   * Redis out of memory) leaves either no record, which the script creates when the attempt is
   * recorded again, or a record the script finds and completes with its status index entry.
   * Every key gets its TTL in the command after the one that creates it.
   */
  private create(pipeline: ScriptedPipeline, entries: AttemptEntry[], now: number): void {
    const ttl = this.retentionMs;
    const byEvent = groupIds(entries, (e) => this.eventKey(e.data.eventId));
    const byEntity = groupIds(entries, (e) => this.entityKey(e.data.entity.id));
    const byStatus = groupIds(entries, (e) => this.statusKey(e.status));
    pipeline.zadd(this.allKey(), ...scored(now, entries.map((e) => e.id)));
    for (const [key, ids] of [...byEvent, ...byEntity]) pipeline.zadd(key, ...scored(now, ids)).pexpire(key, ttl);
    for (const { id, data, attempt, status } of entries) {
      const key = this.recordKey(id);
      const stored = `{"series":1,"attempt":${attempt.attempt},${attemptBody(attempt).slice(1)}`;
      pipeline.hset(key, { meta: JSON.stringify(meta(id, data)), status, series: 1, createdAt: now, updatedAt: now, attempt: stored }).pexpire(key, ttl);
    }
    for (const [key, ids] of byStatus) pipeline.zadd(key, ...scored(now, ids));
  }

  async get(id: string): Promise<DeliveryRecord | null> {
    const [record] = await this.getMany([id]);
    return record ?? null;
  }

  /** Newest first (by createdAt); ids whose record has expired are skipped. */
  async list(filter: DeliveryFilter, offset: number, limit: number): Promise<DeliveryRecord[]> {
    const keys = this.indexesFor(filter);
    const found: DeliveryRecord[] = [];
    let from = offset;
    // One page of ids, then their records. A record can only be missing if deleted behind the
    // log's back, or for an instant while a first attempt is written (its index entries go
    // first); then the page is filled from the following ids.
    while (found.length < limit) {
      const count = limit - found.length;
      const cutoff = Date.now() - this.retentionMs;
      const ids =
        keys.length === 1
          ? await this.redis.zrange(keys[0], '+inf', `(${cutoff}`, 'BYSCORE', 'REV', 'LIMIT', from, count)
          : await this.redis.cbDeliveryIntersect(keys.length, ...keys, cutoff, from, count);
      found.push(...(await this.getMany(ids)));
      if (ids.length < count) break;
      from += ids.length;
    }
    return found;
  }

  /** Several records in one round trip, in the order of `ids`, missing ones left out. */
  private async getMany(ids: string[]): Promise<DeliveryRecord[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.recordKey(id)).lrange(this.attemptsKey(id), 0, -1);
    const results = (await pipeline.exec()) ?? [];
    const records: DeliveryRecord[] = [];
    for (let i = 0; i < results.length; i += 2) {
      const [hashErr, hash] = results[i] as [Error | null, Record<string, string>];
      const [listErr, attempts] = results[i + 1] as [Error | null, string[]];
      if (hashErr) throw hashErr;
      if (listErr) throw listErr;
      if (!hash.meta) continue;
      records.push({
        ...(JSON.parse(hash.meta) as DeliveryMeta),
        status: hash.status as DeliveryStatus,
        series: Number(hash.series),
        createdAt: Number(hash.createdAt),
        updatedAt: Number(hash.updatedAt),
        // The only attempt sits in the record until a second one moves it to the list.
        attempts: (hash.attempt === undefined ? attempts : [hash.attempt, ...attempts]).map((a) => JSON.parse(a) as AttemptRecord),
      });
    }
    return records;
  }

  /** The indexes a filter intersects (the index of every delivery when it filters nothing). */
  private indexesFor(filter: DeliveryFilter): string[] {
    const keys: string[] = [];
    if (filter.eventId !== undefined) keys.push(this.eventKey(filter.eventId));
    if (filter.entityId !== undefined) keys.push(this.entityKey(filter.entityId));
    if (filter.status !== undefined) keys.push(this.statusKey(filter.status));
    return keys.length > 0 ? keys : [this.allKey()];
  }

  private recordKey(id: string): string {
    return redisKey(this.config, 'delivery', id);
  }

  private attemptsKey(id: string): string {
    return redisKey(this.config, 'delivery', id, 'attempts');
  }

  private allKey(): string {
    return redisKey(this.config, 'delivery-index', 'all');
  }

  private eventKey(eventId: string): string {
    return redisKey(this.config, 'delivery-index', 'event', eventId);
  }

  private entityKey(entityId: string): string {
    return redisKey(this.config, 'delivery-index', 'entity', entityId);
  }

  private statusKey(status: DeliveryStatus): string {
    return redisKey(this.config, 'delivery-index', 'status', status);
  }

  /** In the order the attempt script expects: pending, retrying, delivered, failed. */
  private statusKeys(): string[] {
    return DELIVERY_STATUSES.map((s) => this.statusKey(s));
  }
}

/** The attempt's JSON without `series` and `attempt`, which the writer puts first. */
function attemptBody(attempt: Omit<AttemptRecord, 'series'>): string {
  // Fixed field order; JSON.stringify leaves out what is undefined.
  const stored: Omit<AttemptRecord, 'series' | 'attempt'> = {
    at: attempt.at,
    status: attempt.status,
    latencyMs: attempt.latencyMs,
    error: attempt.error,
    response: attempt.response,
    outcome: attempt.outcome,
  };
  return JSON.stringify(stored);
}

/** The ids of `entries` grouped by the key `keyOf` gives each. */
function groupIds(entries: AttemptEntry[], keyOf: (e: AttemptEntry) => string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const e of entries) {
    const key = keyOf(e);
    const ids = groups.get(key);
    if (ids) ids.push(e.id);
    else groups.set(key, [e.id]);
  }
  return groups;
}

/** ZADD's arguments: every id with the same score. */
function scored(score: number, ids: string[]): (string | number)[] {
  return ids.flatMap((id) => [score, id]);
}

function meta(id: string, data: DeliveryJobData): DeliveryMeta {
  const { uri, staticId } = data.endpoint;
  return {
    id,
    eventId: data.eventId,
    eventType: data.eventType,
    entity: { kind: data.entity.kind, id: data.entity.id },
    // Only what identifies the endpoint: never the auth header's name or secret alias.
    endpoint: staticId === undefined ? { uri } : { uri, staticId },
  };
}
