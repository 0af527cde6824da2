import { Inject, Injectable, Optional } from '@nestjs/common';
import Redis from 'ioredis';
import { EndpointRegistry, heldLanesKey, joinLanes, laneKey } from '@app/delivery';
import {
  APP_CONFIG,
  AppConfig,
  eventStreamKey,
  eventTrace,
  Partition,
  partitionKey,
  Partitions,
  REDIS,
  resendIfAborted,
  withSpan,
  withScripts,
} from '@app/platform';
import { EQUALITY_INDEXES, IndexedKind } from './entity-indexes';
import { CallbackAddress, StreamEvent, streamEventJson } from '@app/events';
import { StoredEntity } from './stored-entity';
import { valueMember } from './equality-members';
import CREATE from './scripts/create.lua';
import DELETE from './scripts/delete.lua';
import TRANSITION from './scripts/transition.lua';

/** A record written with a state change, in the same script: set once, never changed after. */
export interface SideRecord {
  key: string;
  value: string;
}

/** What waited in the lanes of a deleted object: behind a dead letter that held its lane, or only behind another delivery. */
export interface ReleasedLanes {
  held: string[];
  waiting: string[];
}

/** This store's scripts, as commands of its connection. */
interface Scripts {
  cbCreate(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  cbTransition(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  cbDelete(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<0 | [1, string[], string[]]>;
}

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
  private readonly redis: Redis & Scripts;

  constructor(
    @Inject(REDIS) redis: Redis,
    readonly partitions: Partitions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    // Optional for tests that build a store by hand (they register no endpoint).
    @Optional() private readonly endpoints?: EndpointRegistry,
  ) {
    this.redis = withScripts<Scripts>(redis, {
      // The number of index keys and of lanes varies, so both take their key count per call.
      cbCreate: { lua: CREATE },
      cbTransition: { lua: TRANSITION },
      cbDelete: { lua: DELETE },
    });
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
  create(kind: IndexedKind, entity: StoredEntity, event: StreamEvent): Promise<boolean> {
    return withCommitSpan(event, () => this.createNow(kind, entity, event));
  }

  private async createNow(kind: IndexedKind, entity: StoredEntity, event: StreamEvent): Promise<boolean> {
    const partition = this.partitions.of(entity.id);
    const members = foldedValues(kind, entity).map(({ field, value }) => valueMember(field, value, entity.createdAt, entity.id));
    const { job, joins } = joinLanes(event, this.config.staticCallbacks, this.partitions, this.endpoints);
    const keys = [
      this.entityKey(kind, entity.id),
      eventStreamKey(partition),
      this.indexKey(partition, kind, 'createdAt'),
      this.indexKey(partition, kind, 'stateTimestamp'),
      this.indexKey(partition, kind, 'state', entity.state),
      this.valuesKey(partition, kind),
      ...joins.map((j) => j.key),
    ];
    const args = [
      ...keys,
      JSON.stringify(entity),
      entity.version,
      entity.createdAt,
      entity.id,
      streamEventJson(job),
      entity.stateTimestamp,
      event.envelope.id,
      members.length,
      ...members,
      ...joins.map((j) => j.deliveryId),
    ];
    // The event's id is the write's token: a resend answers what the first run did.
    const created = await resendIfAborted(this.redis, () => this.redis.cbCreate(keys.length, ...args));
    return created === 1;
  }

  /** Replaces `previous` by `next` with its event (and `record`); false when another write came first. */
  transition(kind: IndexedKind, previous: StoredEntity, next: StoredEntity, event: StreamEvent, record?: SideRecord): Promise<boolean> {
    return withCommitSpan(event, () => this.transitionNow(kind, previous, next, event, record));
  }

  private async transitionNow(
    kind: IndexedKind,
    previous: StoredEntity,
    next: StoredEntity,
    event: StreamEvent,
    record?: SideRecord,
  ): Promise<boolean> {
    const partition = this.partitions.of(next.id);
    const { job, joins } = joinLanes(event, this.config.staticCallbacks, this.partitions, this.endpoints);
    const keys = [
      this.entityKey(kind, next.id),
      eventStreamKey(partition),
      this.indexKey(partition, kind, 'stateTimestamp'),
      this.indexKey(partition, kind, 'state', previous.state),
      this.indexKey(partition, kind, 'state', next.state),
      ...(record ? [record.key] : []),
      ...joins.map((j) => j.key),
    ];
    const args = [
      ...keys,
      previous.version,
      JSON.stringify(next),
      next.version,
      streamEventJson(job),
      next.id,
      next.createdAt,
      next.stateTimestamp,
      event.envelope.id,
      record?.value ?? '',
      ...joins.map((j) => j.deliveryId),
    ];
    // The event's id is the write's token: a resend answers what the first run did.
    const done = await resendIfAborted(this.redis, () => this.redis.cbTransition(keys.length, ...args));
    return done === 1;
  }

  /**
   * Removes `entity`, its index entries and its ordered lanes (their held marks too), with no
   * event; null when it changed since it was read. The lanes are those of the ordered endpoints
   * it can have: the static ones configured now and its own ordered callback addresses. Answers
   * what waited in them, for the caller to send on (docs/delivery.md, "Ordered endpoints").
   */
  async delete(kind: IndexedKind, entity: StoredEntity & { callbackAddresses?: CallbackAddress[] }): Promise<ReleasedLanes | null> {
    const partition = this.partitions.of(entity.id);
    const values = foldedValues(kind, entity);
    const indexes = [
      this.indexKey(partition, kind, 'createdAt'),
      this.indexKey(partition, kind, 'stateTimestamp'),
      this.indexKey(partition, kind, 'state', entity.state),
      // The previous release's sets of its values, which the boot's migration may not have
      // emptied yet (equality-index-migration.ts): an id left there would come back with it.
      ...values.map(({ field, value }) => this.indexKey(partition, kind, field, value)),
    ];
    const orderedUris = [
      ...this.config.staticCallbacks.filter((c) => c.ordered),
      ...(entity.callbackAddresses ?? []).filter((a) => a.ordered),
    ].map((endpoint) => endpoint.uri);
    const lanes = [...new Set(orderedUris.map((uri) => laneKey(this.partitions, entity.id, uri)))];
    const keys = [this.entityKey(kind, entity.id), this.valuesKey(partition, kind), ...indexes, ...lanes, heldLanesKey(partition)];
    const members = values.map(({ field, value }) => valueMember(field, value, entity.createdAt, entity.id));
    const done = await this.redis.cbDelete(keys.length, ...keys, entity.id, entity.version, indexes.length, ...members);
    return done === 0 ? null : { held: done[1], waiting: done[2] };
  }

  /**
   * A sorted set of the ids of `partition`: `createdAt` or `stateTimestamp` (scored by that
   * time), or the equality index of `state` = `value` (scored by creation time). The other
   * equality indexes are in `valuesKey`; the previous release kept them here too.
   */
  indexKey(partition: Partition, kind: IndexedKind, field: string, value?: string): string {
    return value === undefined ? partitionKey(partition, `${kind}-index`, field) : partitionKey(partition, `${kind}-index`, field, value);
  }

  /** The folded equality index of `partition` (equality-members.ts): every field of EQUALITY_INDEXES, by value. */
  valuesKey(partition: Partition, kind: IndexedKind): string {
    return partitionKey(partition, `${kind}-index`, VALUES_INDEX);
  }

  private entityKey(kind: IndexedKind, id: string): string {
    return partitionKey(this.partitions.of(id), kind, id);
  }
}

/**
 * The name of the folded index under `<kind>-index:`; no key of the previous release's layout
 * (`<kind>-index:<field>:<value>`) is named so, since it has a value after its field.
 */
const VALUES_INDEX = 'by-value';

/** The fields of EQUALITY_INDEXES that `entity` has, with their values as the index holds them (text). */
function foldedValues(kind: IndexedKind, entity: StoredEntity): { field: string; value: string }[] {
  return EQUALITY_INDEXES[kind].flatMap((field) => {
    const value = indexedValue(entity, field);
    return value === undefined || value === null ? [] : [{ field, value: String(value) }];
  });
}

/** The value `field` indexes: a dotted name is a nested path (`offer.assetId`). */
function indexedValue(entity: StoredEntity, field: string): unknown {
  if (!field.includes('.')) return entity[field];
  return field.split('.').reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], entity);
}

/**
 * The commit of an event, a span when tracing is on; the event carries the trace it was made in
 * (the commit span's, the caller's, or a new one), so its deliveries continue it. A commit tried
 * again with the same event (a claim resent after a dropped connection) keeps the first trace:
 * what Redis may already hold must be the same entry.
 */
export function withCommitSpan<T>(event: StreamEvent, write: () => Promise<T>): Promise<T> {
  return withSpan('commit', { 'messaging.message.id': event.envelope.id, 'delivery.event_type': event.envelope.type }, () => {
    event.trace ??= eventTrace();
    return write();
  });
}
