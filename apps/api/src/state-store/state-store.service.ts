import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { joinLanes } from '@app/delivery';
import { APP_CONFIG, AppConfig, APPEND_EVENT, eventStreamKey, Partition, partitionKey, Partitions, REDIS } from '@app/platform';
import { EQUALITY_INDEXES, IndexedKind } from './entity-indexes';
import { OutboxEntry, StoredEntity } from './stored-entity';

// Every write carries a token (its event's id) and remembers the last few in the object's
// `ops` field: ioredis resends a script whose connection dropped before the reply came, and
// the resend must answer what the first run did (done) instead of "exists" or "conflict".
const SEEN = `
local function seen(ops, op)
  return ops and string.find(ops, op, 1, true) ~= nil
end
`;
const REMEMBER = `
local function remember(ops, op)
  local kept = op
  local n = 0
  for old in string.gmatch(ops or '', '[^,]+') do
    if n == 3 then break end
    kept = kept .. ',' .. old
    n = n + 1
  end
  return kept
end
`;

// The event's ordered deliveries join their lanes (see DeliveryLanes) in the same step as the
// event, so each lane is in commit order. KEYS from "first" on are lanes; ARGV from "at" on
// are their delivery ids, one each.
const JOIN_LANES = `
local function joinLanes(first, at)
  for i = first, #KEYS do redis.call('RPUSH', KEYS[i], ARGV[at + i - first]) end
end
`;

// A new object, its indexes and its first event, in one atomic step; refused when the id exists.
// KEYS: object, event stream, createdAt index, stateTimestamp index, equality indexes (state first)...,
// then the lanes the event joins.
// ARGV: json, version, createdAt, id, event job json, stateTimestamp, op token, number of lanes,
// then the lanes' delivery ids.
const CREATE = `${SEEN}${APPEND_EVENT}${JOIN_LANES}
local json, version, createdAt, id, entry, stateTimestamp, op, lanes = unpack(ARGV, 1, 8)
if redis.call('EXISTS', KEYS[1]) == 1 then
  if seen(redis.call('HGET', KEYS[1], 'ops'), op) then return 1 end
  return 0
end
local firstLane = #KEYS - tonumber(lanes) + 1
redis.call('HSET', KEYS[1], 'json', json, 'version', version, 'ops', op)
redis.call('ZADD', KEYS[3], createdAt, id)
redis.call('ZADD', KEYS[4], stateTimestamp, id)
for i = 5, firstLane - 1 do redis.call('ZADD', KEYS[i], createdAt, id) end
appendEvent(KEYS[2], entry)
joinLanes(firstLane, 9)
return 1`;

// A state change, its index moves and its event, in one atomic step, only if nobody wrote in
// between. KEYS: object, event stream, stateTimestamp index, old state index, new state index,
// then, when ARGV's record is not empty, the key of a record the new state brings (a contract
// agreement), written with it, then the lanes the event joins.
// ARGV: expected version, json, new version, event job json, id, createdAt, stateTimestamp, op
// token, record ('' for none), then the lanes' delivery ids.
const TRANSITION = `${SEEN}${REMEMBER}${APPEND_EVENT}${JOIN_LANES}
local expected, json, version, entry, id, createdAt, stateTimestamp, op, record = unpack(ARGV, 1, 9)
local current = redis.call('HMGET', KEYS[1], 'version', 'ops')
if current[1] ~= expected then
  if seen(current[2], op) then return 1 end
  return 0
end
redis.call('HSET', KEYS[1], 'json', json, 'version', version, 'ops', remember(current[2], op))
redis.call('ZREM', KEYS[4], id)
redis.call('ZADD', KEYS[5], createdAt, id)
redis.call('ZADD', KEYS[3], stateTimestamp, id)
local firstLane = 6
if record ~= '' then
  redis.call('SET', KEYS[6], record)
  firstLane = 7
end
appendEvent(KEYS[2], entry)
joinLanes(firstLane, 10)
return 1`;

// A negotiation gone for good: the object and its index entries. KEYS: object, then every index
// it is in. ARGV: id, expected version. Refused (0) when it changed since it was read.
const DELETE = `
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
for i = 2, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
return 1`;

/** A record written with a state change, in the same script: set once, never changed after. */
export interface SideRecord {
  key: string;
  value: string;
}

type ScriptedRedis = Redis & {
  cbCreate(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  cbTransition(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  cbDelete(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
};

/**
 * Negotiations and transfers in Redis, with a transactional outbox: a state write, its index
 * updates and the event announcing it (appended to the event stream, which the dispatchers
 * read), with its ordered deliveries joining their lanes, are committed by one Lua script, so a
 * crash can lose neither alone.
 *
 * Each object lives in the partition of its id (see `Partitions`): its hash, its entries in
 * that partition's indexes, and its events on that partition's stream, all under one hash tag,
 * so each script runs on one Redis Cluster slot. A query reads the indexes of every partition.
 */
@Injectable()
export class StateStore {
  private readonly redis: ScriptedRedis;

  constructor(
    @Inject(REDIS) redis: Redis,
    readonly partitions: Partitions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // The number of index keys and of lanes varies, so both take their key count per call.
    redis.defineCommand('cbCreate', { lua: CREATE });
    redis.defineCommand('cbTransition', { lua: TRANSITION });
    redis.defineCommand('cbDelete', { lua: DELETE });
    this.redis = redis as ScriptedRedis;
  }

  /** A new event id of the object `entityId`: it leads to the object's partition. */
  newEventId(entityId: string): string {
    return this.partitions.newId(this.partitions.of(entityId));
  }

  async get<T extends StoredEntity>(kind: IndexedKind, id: string): Promise<T | null> {
    const json = await this.redis.hget(this.entityKey(kind, id), 'json');
    return json === null ? null : (JSON.parse(json) as T);
  }

  /** Several objects, one round trip per partition, in the order of `ids` (missing ones left out). */
  async getMany<T extends StoredEntity>(kind: IndexedKind, ids: string[]): Promise<T[]> {
    const byPartition = new Map<Partition, string[]>();
    for (const id of ids) {
      const partition = this.partitions.of(id);
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), id]);
    }
    const read = new Map<string, T>();
    await Promise.all(
      [...byPartition.values()].map(async (inPartition) => {
        // One pipeline per partition: on Redis Cluster a pipeline may only touch one node.
        const pipeline = this.redis.pipeline();
        for (const id of inPartition) pipeline.hget(this.entityKey(kind, id), 'json');
        const results = (await pipeline.exec()) ?? [];
        results.forEach(([err, json], i) => {
          if (!err && json !== null) read.set(inPartition[i], JSON.parse(json as string) as T);
        });
      }),
    );
    return ids.flatMap((id) => read.get(id) ?? []);
  }

  /** Stores a new object with its first event; false when the id is taken (by another write). */
  async create(kind: IndexedKind, entity: StoredEntity, event: OutboxEntry): Promise<boolean> {
    const partition = this.partitions.of(entity.id);
    const equalityKeys = [
      this.indexKey(partition, kind, 'state', entity.state),
      ...EQUALITY_INDEXES[kind]
        .filter((field) => entity[field] !== undefined && entity[field] !== null)
        .map((field) => this.indexKey(partition, kind, field, String(entity[field]))),
    ];
    const { job, joins } = joinLanes(event.job, this.config.staticCallbacks, this.partitions);
    const keys = [
      this.entityKey(kind, entity.id),
      eventStreamKey(partition),
      this.indexKey(partition, kind, 'createdAt'),
      this.indexKey(partition, kind, 'stateTimestamp'),
      ...equalityKeys,
      ...joins.map((j) => j.key),
    ];
    const created = await this.redis.cbCreate(
      keys.length,
      ...keys,
      JSON.stringify(entity),
      entity.version,
      entity.createdAt,
      entity.id,
      JSON.stringify(job),
      entity.stateTimestamp,
      event.job.envelope.id,
      joins.length,
      ...joins.map((j) => j.deliveryId),
    );
    return created === 1;
  }

  /** Replaces `previous` by `next` with its event (and `record`); false when another write came first. */
  async transition(
    kind: IndexedKind,
    previous: StoredEntity,
    next: StoredEntity,
    event: OutboxEntry,
    record?: SideRecord,
  ): Promise<boolean> {
    const partition = this.partitions.of(next.id);
    const { job, joins } = joinLanes(event.job, this.config.staticCallbacks, this.partitions);
    const keys = [
      this.entityKey(kind, next.id),
      eventStreamKey(partition),
      this.indexKey(partition, kind, 'stateTimestamp'),
      this.indexKey(partition, kind, 'state', previous.state),
      this.indexKey(partition, kind, 'state', next.state),
      ...(record ? [record.key] : []),
      ...joins.map((j) => j.key),
    ];
    const done = await this.redis.cbTransition(
      keys.length,
      ...keys,
      previous.version,
      JSON.stringify(next),
      next.version,
      JSON.stringify(job),
      next.id,
      next.createdAt,
      next.stateTimestamp,
      event.job.envelope.id,
      record?.value ?? '',
      ...joins.map((j) => j.deliveryId),
    );
    return done === 1;
  }

  /** Removes `entity` and its index entries, with no event; false when it changed since it was read. */
  async delete(kind: IndexedKind, entity: StoredEntity): Promise<boolean> {
    const partition = this.partitions.of(entity.id);
    const keys = [
      this.entityKey(kind, entity.id),
      this.indexKey(partition, kind, 'createdAt'),
      this.indexKey(partition, kind, 'stateTimestamp'),
      this.indexKey(partition, kind, 'state', entity.state),
      ...EQUALITY_INDEXES[kind]
        .filter((field) => entity[field] !== undefined && entity[field] !== null)
        .map((field) => this.indexKey(partition, kind, field, String(entity[field]))),
    ];
    return (await this.redis.cbDelete(keys.length, ...keys, entity.id, entity.version)) === 1;
  }

  /**
   * A sorted set of the ids of `partition`: `createdAt` or `stateTimestamp` (scored by that
   * time), or the equality index of `field` = `value` (scored by creation time).
   */
  indexKey(partition: Partition, kind: IndexedKind, field: string, value?: string): string {
    return value === undefined ? partitionKey(partition, `${kind}-index`, field) : partitionKey(partition, `${kind}-index`, field, value);
  }

  private entityKey(kind: IndexedKind, id: string): string {
    return partitionKey(this.partitions.of(id), kind, id);
  }
}
