import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS, redisKey } from '@app/platform';
import { DeliveryJobData } from '../delivery-job';
import { AttemptRecord, DELIVERY_STATUSES, DeliveryRecord, DeliveryStatus } from './delivery-record';

export interface DeliveryFilter {
  eventId?: string;
  entityId?: string;
  status?: DeliveryStatus;
}

/** Attempts kept per delivery (the latest ones); a delivery retried for ever stays bounded. */
export const DELIVERY_LOG_MAX_ATTEMPTS = 50;

// Shared by both write scripts: drops index entries created before the retention cut-off.
// Each write removes only what expired since the previous one, so the cost stays small.
const TRIM = `
local function trim(key, cutoff) redis.call('ZREMRANGEBYSCORE', key, '-inf', cutoff) end`;

// Creates a `pending` record for each delivery that has none yet (never overwrites: the
// fan-out may run twice, and a fast first attempt may already have created it).
// KEYS: all index, status indexes (pending, retrying, delivered, failed), then per delivery:
//       record, event index, entity index.
// ARGV: now, cutoff, ttl ms, then per delivery: id, meta json.
const RECORD_QUEUED = `${TRIM}
local now, cutoff, ttl = ARGV[1], ARGV[2], ARGV[3]
local created = 0
for i = 0, (#KEYS - 5) / 3 - 1 do
  local record, byEvent, byEntity = KEYS[6 + 3 * i], KEYS[7 + 3 * i], KEYS[8 + 3 * i]
  local id = ARGV[4 + 2 * i]
  if redis.call('EXISTS', record) == 0 then
    redis.call('HSET', record, 'meta', ARGV[5 + 2 * i], 'status', 'pending', 'series', 1, 'createdAt', now, 'updatedAt', now)
    redis.call('PEXPIRE', record, ttl)
    redis.call('ZADD', KEYS[1], now, id)
    redis.call('ZADD', KEYS[2], now, id)
    redis.call('ZADD', byEvent, now, id)
    redis.call('PEXPIRE', byEvent, ttl)
    redis.call('ZADD', byEntity, now, id)
    redis.call('PEXPIRE', byEntity, ttl)
    trim(byEntity, cutoff)
    created = created + 1
  end
end
for k = 1, 5 do trim(KEYS[k], cutoff) end
return created`;

// One attempt: creates the record if missing, opens a new series when the record is `failed`
// (a dead letter retried), appends the attempt (keeping the last N), sets status and
// updatedAt, moves the id between status indexes, refreshes TTLs and trims the indexes.
// KEYS: record, attempts, all index, event index, entity index,
//       status indexes (pending, retrying, delivered, failed).
// ARGV: id, meta json, now, cutoff, ttl ms, attempt json (an object without series and
//       attempt), status, attempts kept, the job's attempt number (BullMQ's running count).
const RECORD_ATTEMPT = `${TRIM}
local id, now, cutoff, ttl, status = ARGV[1], ARGV[3], ARGV[4], ARGV[5], ARGV[7]
local statusKeys = { pending = KEYS[6], retrying = KEYS[7], delivered = KEYS[8], failed = KEYS[9] }
local current = redis.call('HMGET', KEYS[1], 'status', 'series', 'createdAt', 'seriesOffset')
local previous, series, createdAt = current[1], tonumber(current[2]), current[3]
-- Attempts are numbered within their series: a job retried from Bull Board keeps BullMQ's
-- running count, one retried through the API starts again at 1; both read as attempt 1.
local attempt, offset = tonumber(ARGV[9]), tonumber(current[4] or '0')
if not previous then
  series, createdAt = 1, now
  redis.call('HSET', KEYS[1], 'meta', ARGV[2], 'createdAt', now)
  redis.call('ZADD', KEYS[3], now, id)
  redis.call('ZADD', KEYS[4], now, id)
  redis.call('ZADD', KEYS[5], now, id)
elseif previous == 'failed' then
  series, offset = series + 1, attempt - 1
  redis.call('HSET', KEYS[1], 'seriesOffset', offset)
end
redis.call('RPUSH', KEYS[2], '{"series":' .. series .. ',"attempt":' .. (attempt - offset) .. ',' .. string.sub(ARGV[6], 2))
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[8]), -1)
redis.call('HSET', KEYS[1], 'status', status, 'series', series, 'updatedAt', now)
if previous ~= status then
  if previous and statusKeys[previous] then redis.call('ZREM', statusKeys[previous], id) end
  redis.call('ZADD', statusKeys[status], createdAt, id)
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[4], ttl)
redis.call('PEXPIRE', KEYS[5], ttl)
for k = 3, 9 do trim(KEYS[k], cutoff) end
return series`;

// A page of the intersection of several indexes, newest first, without entries past the
// retention. The intersection is at most as large as the smallest index (a combined filter
// always names an event or an entity, whose indexes are small); only the page is returned.
// KEYS: the indexes. ARGV: cutoff, offset, count.
const INTERSECT_PAGE = `
local args = { 'ZINTER', #KEYS }
for _, key in ipairs(KEYS) do args[#args + 1] = key end
args[#args + 1] = 'AGGREGATE'
args[#args + 1] = 'MIN'
args[#args + 1] = 'WITHSCORES'
local found = redis.call(unpack(args))
local cutoff, offset, count = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local page, skipped = {}, 0
for i = #found - 1, 1, -2 do
  if #page >= count or tonumber(found[i + 1]) <= cutoff then break end
  if skipped < offset then skipped = skipped + 1 else page[#page + 1] = found[i] end
end
return page`;

type ScriptedRedis = Redis & {
  cbDeliveryQueued(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  cbDeliveryAttempt(...keysAndArgs: (string | number)[]): Promise<number>;
  cbDeliveryIntersect(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<string[]>;
};

/** The part of a record that never changes, stored once as JSON. */
type DeliveryMeta = Pick<DeliveryRecord, 'id' | 'eventId' | 'eventType' | 'entity' | 'endpoint'>;

/**
 * The delivery log: every delivery and every attempt, with bounded retention. Written by the
 * dispatcher (and by the api for transactional callbacks), read by the deliveries API.
 *
 * Redis layout (all under the product's hash tag, so the scripts are legal on Redis Cluster):
 * - `delivery:<id>`: hash `meta` (JSON of the fixed fields), `status`, `series`, `createdAt`,
 *   `updatedAt`; TTL = retention, refreshed on each write.
 * - `delivery:<id>:attempts`: list of attempt JSON, the last 50; same TTL.
 * - `delivery-index:all`, `delivery-index:status:<status>`: sorted sets of ids by createdAt,
 *   trimmed past the retention by every write.
 * - `delivery-index:event:<eventId>`, `delivery-index:entity:<entityId>`: the same per event and
 *   per negotiation/transfer, trimmed when written and expiring after the retention.
 *
 * Lists read only entries younger than the retention (older ones may have lost their record),
 * and skip any id whose record is gone.
 */
@Injectable()
export class DeliveryLog {
  private readonly redis: ScriptedRedis;
  private readonly retentionMs: number;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    redis.defineCommand('cbDeliveryQueued', { lua: RECORD_QUEUED });
    redis.defineCommand('cbDeliveryAttempt', { numberOfKeys: 9, lua: RECORD_ATTEMPT });
    redis.defineCommand('cbDeliveryIntersect', { lua: INTERSECT_PAGE });
    this.redis = redis as ScriptedRedis;
    this.retentionMs = config.deliveryLogRetentionMs;
  }

  /** Records deliveries the fan-out just queued, as `pending`, in one round trip. */
  async recordQueued(deliveries: { id: string; data: DeliveryJobData }[]): Promise<void> {
    if (deliveries.length === 0) return;
    const now = Date.now();
    const keys = [this.allKey(), ...this.statusKeys()];
    const args: (string | number)[] = [now, now - this.retentionMs, this.retentionMs];
    for (const { id, data } of deliveries) {
      keys.push(this.recordKey(id), this.eventKey(data.eventId), this.entityKey(data.entity.id));
      args.push(id, JSON.stringify(meta(id, data)));
    }
    await this.redis.cbDeliveryQueued(keys.length, ...keys, ...args);
  }

  /**
   * Appends one attempt and sets the delivery's status (`delivered`, `retrying`, `failed`), in
   * one round trip. An attempt on a delivery whose status is `failed` opens a new series (a
   * dead letter retried through the API or Bull Board); `attempt.series` is filled in here.
   */
  async recordAttempt(id: string, data: DeliveryJobData, attempt: Omit<AttemptRecord, 'series'>, status: DeliveryStatus): Promise<void> {
    const now = Date.now();
    // Fixed field order; JSON.stringify leaves out what is undefined. The script puts `series`
    // and the attempt's number within its series first.
    const stored: Omit<AttemptRecord, 'series' | 'attempt'> = {
      at: attempt.at,
      status: attempt.status,
      latencyMs: attempt.latencyMs,
      error: attempt.error,
      response: attempt.response,
      outcome: attempt.outcome,
    };
    await this.redis.cbDeliveryAttempt(
      this.recordKey(id),
      this.attemptsKey(id),
      this.allKey(),
      this.eventKey(data.eventId),
      this.entityKey(data.entity.id),
      ...this.statusKeys(),
      id,
      JSON.stringify(meta(id, data)),
      now,
      now - this.retentionMs,
      this.retentionMs,
      JSON.stringify(stored),
      status,
      DELIVERY_LOG_MAX_ATTEMPTS,
      attempt.attempt,
    );
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
    // log's back; then the page is filled from the following ids.
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
        attempts: attempts.map((a) => JSON.parse(a) as AttemptRecord),
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

  /** In the order the scripts expect: pending, retrying, delivered, failed. */
  private statusKeys(): string[] {
    return DELIVERY_STATUSES.map((s) => this.statusKey(s));
  }
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
