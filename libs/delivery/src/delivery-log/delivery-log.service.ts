import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import Redis, { ChainableCommander } from 'ioredis';
import { APP_CONFIG, AppConfig, isCluster, Partition, partitionKey, Partitions, REDIS, redisKey, withScripts } from '@app/platform';
import { DeliveryJobData, eventIdOf } from '../delivery-job';
import { AttemptRecord, DeliveryRecord, DeliveryStatus, INDEXED_STATUSES, IndexedStatus } from './delivery-record';
import { MOVE_STATUS, RECORD_ATTEMPT, RECORD_QUEUED } from './delivery-log-scripts';
import { DeliveryLogSweep } from './delivery-log-sweep';
import {
  Candidate,
  before,
  decodeCursor,
  DeliverySearch,
  encodeCursor,
  IndexScan,
  LogPosition,
  matches,
  mergePage,
  originOf,
  SEARCH_BUDGET_PER_INDEX,
  SearchPage,
} from './delivery-search';
import { IndexPage, MergedScan } from './merged-scan';
import { allMember, OwnerKind, ownerMember, ownerPrefix, ownerRange, parseAllMember, positionOf } from './owner-index';

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
/** This store's scripts, as commands of its connection. */
interface Scripts {
  cbDeliveryQueued(numKeys: number, ...keysAndArgs: ScriptArgs): Promise<void>;
  cbDeliveryMoveStatus(numKeys: number, ...keysAndArgs: ScriptArgs): Promise<void>;
  cbDeliveryAttempt(...keysAndArgs: ScriptArgs): Promise<unknown>;
}
type ScriptedPipeline = ChainableCommander & { cbDeliveryAttempt(...keysAndArgs: ScriptArgs): ScriptedPipeline };

/** The part of a record that never changes, stored once as JSON. */
type DeliveryMeta = Pick<DeliveryRecord, 'id' | 'eventId' | 'eventType' | 'entity' | 'endpoint'>;

/**
 * The delivery log: every delivery and every attempt, with bounded retention. Written by the
 * dispatcher (and by the api for transactional callbacks), read by the deliveries API.
 *
 * Redis layout, under the hash tag of the delivery's partition (its event's, see `Partitions`),
 * so the scripts are legal on Redis Cluster:
 * - `delivery:<id>`: hash `meta` (JSON of the fixed fields), `status`, `series`, `createdAt`,
 *   `updatedAt`, and `attempt` (the JSON of its only attempt, while it has one); TTL =
 *   retention, refreshed on each write.
 * - `delivery:<id>:attempts`: list of attempt JSON, the last 50, from the second attempt on
 *   (which moves the first here); same TTL.
 * - `delivery-index:all`: sorted set of every delivery by createdAt, each member its id and its
 *   entity's (`allMember`); `delivery-index:status:<status>`: sorted sets of ids by createdAt,
 *   for every status but `delivered` (`INDEXED_STATUSES`: most deliveries end delivered, so
 *   that one would be nearly a copy of `all`; a filter on it reads `all` and checks each
 *   record's status). Trimmed past the retention once a minute by one replica
 *   (`DeliveryLogSweep`).
 * - `delivery-index:owners`: one lex-ordered sorted set of the partition's deliveries per event
 *   and per negotiation/transfer (see owner-index.ts), trimmed by the sweep with `all`. The
 *   previous release kept a key per owner, `delivery-index:event:<eventId>` and
 *   `delivery-index:entity:<entityId>`, expiring one retention after its last entry: readers
 *   still read those (`ownerScan`).
 * - `{prefix}:delivery-index:sweep` (no partition): the sweep's lock.
 *
 * Lists read only entries younger than the retention (older ones may have lost their record),
 * and skip any id whose record is gone. A list by event or by entity reads one partition; any
 * other list takes the newest `offset + limit` of each partition and merges them.
 */
@Injectable()
export class DeliveryLog implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly redis: Redis & Scripts;
  private readonly retentionMs: number;
  private readonly sweeper: DeliveryLogSweep;
  /** On a Redis Cluster a pipeline may only touch one node: there, one pipeline per partition. */
  private readonly pipelinePerPartition: boolean;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly partitions: Partitions,
  ) {
    this.redis = withScripts<Scripts>(redis, {
      cbDeliveryQueued: { lua: RECORD_QUEUED },
      cbDeliveryAttempt: { numberOfKeys: 5 + INDEXED_STATUSES.length, lua: RECORD_ATTEMPT },
      cbDeliveryMoveStatus: { lua: MOVE_STATUS },
    });
    this.pipelinePerPartition = isCluster(redis);
    this.retentionMs = config.deliveryLogRetentionMs;
    this.sweeper = new DeliveryLogSweep(redis, redisKey(config, 'delivery-index', 'sweep'), this.retentionMs, {
      all: partitions.all.map((p) => this.allKey(p)),
      // The previous release's index of delivered deliveries, no longer written nor read: the
      // sweep empties it within a retention period, after which it can go from this list.
      byScore: partitions.all.flatMap((p) => [...this.statusKeys(p), partitionKey(p, 'delivery-index', 'status', 'delivered')]),
      ownerEntries: (member, createdAt) => this.ownerEntries(member, createdAt),
    });
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
    const now = Date.now();
    await Promise.all(
      [...this.byPartition(deliveries, (d) => d.id)].map(([partition, inPartition]) => {
        const keys = [this.allKey(partition), this.statusKey(partition, 'pending')];
        const args: ScriptArgs = [now, this.retentionMs];
        for (const { id, data } of inPartition) {
          const { eventId, entity } = data;
          keys.push(this.recordKey(id), this.ownersKey(eventId), this.ownersKey(entity.id));
          args.push(id, JSON.stringify(meta(id, data)), ...this.indexMembers(id, data, now));
        }
        return this.redis.cbDeliveryQueued(keys.length, ...keys, ...args);
      }),
    );
  }

  /**
   * Moves deliveries that are in status `from` to `to` (held ↔ pending: an ordered lane held
   * behind a dead letter, or let go); the others keep theirs. One round trip per partition.
   */
  async moveStatus(ids: string[], from: IndexedStatus, to: IndexedStatus): Promise<void> {
    const now = Date.now();
    await Promise.all(
      [...this.byPartition(ids, (id) => id)].map(([partition, inPartition]) => {
        const keys = [this.statusKey(partition, from), this.statusKey(partition, to), ...inPartition.map((id) => this.recordKey(id))];
        return this.redis.cbDeliveryMoveStatus(keys.length, ...keys, from, to, now, ...inPartition);
      }),
    );
  }

  /** One attempt; see `recordAttempts` (this is its script path). */
  async recordAttempt(id: string, data: DeliveryJobData, attempt: Omit<AttemptRecord, 'series'>, status: DeliveryStatus): Promise<void> {
    await this.recordAttempts([{ id, data, attempt, status, first: false }]);
  }

  /**
   * Appends attempts and sets their deliveries' statuses (`delivered`, `retrying`, `failed`), all
   * in one round trip. A `first` attempt creates its record and index entries with plain
   * commands, the indexes shared by the batch written once (one delivered delivery alone: 4
   * commands, counted by test/delivery-log-cost.int-spec.ts). Any other runs a script that
   * reads the record: an attempt on a `failed` delivery opens a new series (a dead letter
   * retried through the API or Bull Board), and the status moves between indexes.
   * `attempt.series` is filled in here.
   */
  async recordAttempts(entries: AttemptEntry[]): Promise<void> {
    const now = Date.now();
    const groups = [...this.byPartition(entries, (e) => e.id)];
    const pipeline = () => this.redis.pipeline() as ScriptedPipeline;
    if (this.pipelinePerPartition) {
      await Promise.all(
        groups.map(([partition, inPartition]) => execPipeline(this.queueAttempts(pipeline(), partition, inPartition, now))),
      );
      return;
    }
    // A single server takes the whole batch in one pipeline, one write to Redis: a batch of
    // the drain spans several partitions, and a pipeline each was a write each.
    const all = pipeline();
    for (const [partition, inPartition] of groups) this.queueAttempts(all, partition, inPartition, now);
    await execPipeline(all);
  }

  /** Queues the writes of `entries`, all of `partition`, on `pipeline`. */
  private queueAttempts(pipeline: ScriptedPipeline, partition: Partition, entries: AttemptEntry[], now: number): ScriptedPipeline {
    const created = entries.filter((e) => e.first);
    if (created.length > 0) this.create(pipeline, partition, created, now);
    for (const { id, data, attempt, status, first } of entries) {
      if (first) continue;
      pipeline.cbDeliveryAttempt(
        this.recordKey(id),
        this.attemptsKey(id),
        this.allKey(partition),
        this.ownersKey(data.eventId),
        this.ownersKey(data.entity.id),
        ...this.statusKeys(partition),
        id,
        JSON.stringify(meta(id, data)),
        now,
        this.retentionMs,
        attemptMembers(attempt),
        status,
        DELIVERY_LOG_MAX_ATTEMPTS,
        attempt.attempt,
        ...this.indexMembers(id, data, now),
      );
    }
    return pipeline;
  }

  /**
   * Queues the writes of records that do not exist yet, each with its first attempt. Index
   * entries come first and the status indexes last: a write cut short (a dropped connection,
   * Redis out of memory) leaves either no record, which the script creates when the attempt is
   * recorded again, or a record the script finds and completes with its status index entry.
   * The record gets its TTL in the command after the one that creates it; the indexes are
   * trimmed by the sweep.
   */
  private create(pipeline: ScriptedPipeline, partition: Partition, entries: AttemptEntry[], now: number): void {
    const ttl = this.retentionMs;
    const all: string[] = [];
    // The event's and the entity's members: one ZADD, as both are of the delivery's partition
    // (an event id is drawn in its entity's), unless ids made elsewhere put them apart.
    const owners = new Map<string, string[]>();
    const own = (key: string, member: string) => {
      const members = owners.get(key);
      if (members) members.push(member);
      else owners.set(key, [member]);
    };
    for (const { id, data } of entries) {
      const [inAll, ofEvent, ofEntity] = this.indexMembers(id, data, now);
      all.push(inAll);
      own(this.ownersKey(data.eventId), ofEvent);
      own(this.ownersKey(data.entity.id), ofEntity);
    }
    pipeline.zadd(this.allKey(partition), ...scored(now, all));
    for (const [key, members] of owners) pipeline.zadd(key, ...scored(0, members));
    for (const { id, data, attempt, status } of entries) {
      const key = this.recordKey(id);
      const stored = `{"series":1,"attempt":${attempt.attempt},${attemptMembers(attempt)}}`;
      pipeline
        .hset(key, { meta: JSON.stringify(meta(id, data)), status, series: 1, createdAt: now, updatedAt: now, attempt: stored })
        .pexpire(key, ttl);
    }
    const indexed = entries.filter((e): e is AttemptEntry & { status: IndexedStatus } => e.status !== 'delivered');
    for (const [key, ids] of groupIds(indexed, (e) => this.statusKey(partition, e.status))) pipeline.zadd(key, ...scored(now, ids));
  }

  /** A new delivery's members of `all`, and of the owners index under its event and its entity. */
  private indexMembers(id: string, data: DeliveryJobData, createdAt: number): [string, string, string] {
    return [
      allMember(id, data.entity.id),
      ownerMember('event', data.eventId, createdAt, id),
      ownerMember('entity', data.entity.id, createdAt, id),
    ];
  }

  /**
   * The owners index entries of the delivery an `all` member names, created at `createdAt`, for
   * the sweep: an entry of the previous release (no entity in its member) has none.
   */
  private ownerEntries(member: string, createdAt: number): { key: string; member: string }[] {
    const { id, entityId } = parseAllMember(member);
    if (entityId === undefined) return [];
    const eventId = eventIdOf(id);
    return [
      { key: this.ownersKey(eventId), member: ownerMember('event', eventId, createdAt, id) },
      { key: this.ownersKey(entityId), member: ownerMember('entity', entityId, createdAt, id) },
    ];
  }

  async get(id: string): Promise<DeliveryRecord | null> {
    const [record] = await this.getMany([id]);
    return record ?? null;
  }

  /** Newest first (by createdAt); ids whose record has expired are skipped. */
  async list(filter: DeliveryFilter, offset: number, limit: number): Promise<DeliveryRecord[]> {
    const { eventId, entityId, status } = filter;
    const statuses = status && [status];
    if (eventId !== undefined) {
      // An event and an entity of different partitions have no delivery in common.
      if (entityId !== undefined && this.partitions.of(entityId) !== this.partitions.of(eventId)) return [];
      return this.listIn(this.ownerScan('event', eventId, this.oldest(), Infinity), { entityId, statuses }, offset, limit);
    }
    if (entityId !== undefined)
      return this.listIn(this.ownerScan('entity', entityId, this.oldest(), Infinity), { statuses }, offset, limit);
    return this.listAcross(status, offset, limit);
  }

  /**
   * The deliveries of one event or entity (`scan`), newest first, those that pass `rest` (when
   * it filters anything, their records' fields are checked: an owner's deliveries are few).
   * `offset` counts the deliveries that pass.
   */
  private async listIn(scan: MergedScan, rest: DeliverySearch, offset: number, limit: number): Promise<DeliveryRecord[]> {
    const checked = rest.entityId !== undefined || rest.statuses !== undefined;
    const found: DeliveryRecord[] = [];
    let skip = offset;
    // A record can only be missing if deleted behind the log's back, or for an instant while a
    // first attempt is written (its index entries go first); then the page is filled from the
    // following ids.
    while (found.length < limit && !scan.exhausted) {
      let ids = (await scan.next(skip + limit - found.length)).map((p) => p.id);
      if (checked) {
        const candidates = await this.candidates(ids);
        ids = ids.filter((_, i) => candidates[i] !== null && matches(rest, candidates[i]!, originOf));
      }
      const skipped = Math.min(skip, ids.length);
      skip -= skipped;
      found.push(...(await this.getMany(ids.slice(skipped))));
    }
    return found;
  }

  /**
   * Every partition's newest `offset + limit` (all, or of one status), merged newest first, then
   * the page's records. A record missing for the reasons `listIn` gives shortens the page.
   */
  private async listAcross(status: DeliveryStatus | undefined, offset: number, limit: number): Promise<DeliveryRecord[]> {
    const heads = await Promise.all(this.partitions.all.map((p) => this.newest(p, status, offset + limit)));
    const merged = heads.flat();
    merged.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    return this.getMany(merged.slice(offset, offset + limit).map((e) => e.id));
  }

  /**
   * The newest `count` deliveries of `partition` (of one status, if given) within the retention.
   * Those delivered have no index: `all` is read in batches and each candidate's record
   * checked, until `count` are found (most deliveries end delivered: few batches), or until
   * `SEARCH_BUDGET_PER_INDEX` more than `count` were looked at: where almost nothing was
   * delivered (a dead endpoint's backlog), a page comes short rather than reading the whole log.
   */
  private async newest(partition: Partition, status: DeliveryStatus | undefined, count: number): Promise<LogPosition[]> {
    if (status !== 'delivered') {
      const key = status === undefined ? this.allKey(partition) : this.statusKey(partition, status);
      return this.scoreIndexPage(key, this.oldest(), Infinity)(0, count);
    }
    const scan = new MergedScan([this.scoreIndexPage(this.allKey(partition), this.oldest(), Infinity)]);
    const found: LogPosition[] = [];
    let examined = 0;
    while (found.length < count && !scan.exhausted && examined < count + SEARCH_BUDGET_PER_INDEX) {
      const positions = await scan.next(Math.max(count - found.length, 100));
      examined += positions.length;
      const candidates = await this.candidates(positions.map((p) => p.id));
      for (const [i, p] of positions.entries()) if (candidates[i]?.status === 'delivered') found.push(p);
    }
    return found.slice(0, count);
  }

  /**
   * Deliveries that pass every filter of `search`, newest first, from `cursor` on (see
   * `SearchPage`). One index is scanned per partition it spans (the event's or the entity's
   * when named, else each asked status's unless `delivered` is one, else every delivery's), in
   * batches, and each candidate's record is checked for the rest; each index looks at
   * `SEARCH_BUDGET_PER_INDEX` candidates at most, so a page costs a bounded number of commands.
   * A cursor that is not one of ours throws `InvalidCursor`.
   */
  async search(search: DeliverySearch, cursor: string | undefined, limit: number): Promise<SearchPage<DeliveryRecord>> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (after === null) throw new InvalidCursor();
    const min = Math.max(this.oldest(), search.since ?? -Infinity);
    const max = Math.min(search.until ?? Infinity, after?.at ?? Infinity);
    if (min > max) return { items: [] };
    const scans = await Promise.all(this.searchScans(search, min, max).map((scan) => this.scanIndex(scan, search, after, limit)));
    const { page, next } = mergePage(scans, limit);
    const items = await this.getMany(page.map((p) => p.id));
    return next ? { items, next: encodeCursor(next) } : { items };
  }

  /** The indexes a search scans, created in `[min, max]`, one per partition it spans (see `search`). */
  private searchScans(search: DeliverySearch, min: number, max: number): MergedScan[] {
    if (search.eventId !== undefined) return [this.ownerScan('event', search.eventId, min, max)];
    if (search.entityId !== undefined) return [this.ownerScan('entity', search.entityId, min, max)];
    const statuses = search.statuses;
    const indexed = statuses && statuses.length > 0 && statuses.every((s): s is IndexedStatus => s !== 'delivered');
    const keys = indexed
      ? this.partitions.all.flatMap((p) => statuses.map((s) => this.statusKey(p, s)))
      : this.partitions.all.map((p) => this.allKey(p));
    return keys.map((key) => new MergedScan([this.scoreIndexPage(key, min, max)]));
  }

  /** One index, after the cursor, until `limit` matches or the budget. */
  private async scanIndex(scan: MergedScan, search: DeliverySearch, after: LogPosition | undefined, limit: number): Promise<IndexScan> {
    const found: LogPosition[] = [];
    const batch = Math.min(500, Math.max(limit, 50));
    let examined = 0;
    let last: LogPosition | undefined;
    while (found.length < limit && examined < SEARCH_BUDGET_PER_INDEX) {
      const positions = await scan.next(batch);
      examined += positions.length;
      // Equal times sort by id: those at the cursor's time up to the cursor were on earlier pages.
      const unseen = after ? positions.filter((p) => p.at < after.at || p.id < after.id) : positions;
      const candidates = await this.candidates(unseen.map((p) => p.id));
      unseen.forEach((p, i) => {
        const c = candidates[i];
        if (c && found.length < limit && matches(search, c, originOf)) found.push(p);
      });
      if (positions.length > 0) last = positions[positions.length - 1];
      if (scan.exhausted) return { found };
    }
    return found.length < limit ? { found, stoppedAt: last } : { found };
  }

  /**
   * The deliveries of one event or entity created in `[min, max]`, newest first: its members of
   * the owners index, and the key the previous release kept for it.
   */
  private ownerScan(kind: OwnerKind, ownerId: string, min: number, max: number): MergedScan {
    const partition = this.partitions.of(ownerId);
    const key = this.ownersKey(ownerId);
    const prefix = ownerPrefix(kind, ownerId);
    const [high, low] = ownerRange(prefix, min, max);
    const owned: IndexPage = async (offset, count) =>
      (await this.redis.zrange(key, high, low, 'BYLEX', 'REV', 'LIMIT', offset, count)).map((m) => positionOf(prefix, m));
    // The previous release's layout, a key per owner with a TTL of the retention: reading it
    // can go one retention period after this release.
    const previous = this.scoreIndexPage(partitionKey(partition, 'delivery-index', kind, ownerId), min, max);
    return new MergedScan([owned, previous]);
  }

  /** Pages of a score-ordered index (`all`, a status's), entries created in `[min, max]`. */
  private scoreIndexPage(key: string, min: number, max: number): IndexPage {
    return async (offset, count) => {
      const flat = await this.redis.zrange(key, max, min, 'BYSCORE', 'REV', 'LIMIT', offset, count, 'WITHSCORES');
      const positions: LogPosition[] = [];
      for (let i = 0; i < flat.length; i += 2) positions.push({ id: parseAllMember(flat[i]).id, at: Number(flat[i + 1]) });
      return positions;
    };
  }

  /** The creation time of the oldest delivery lists show: older ones may have lost their record. */
  private oldest(): number {
    return Date.now() - this.retentionMs + 1;
  }

  /** The fields `search` matches on, for ids of one partition; null for a record that is gone. */
  private async candidates(ids: string[]): Promise<(Candidate | null)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(this.recordKey(id), 'meta', 'status');
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, value]) => {
      if (err) throw err;
      const [metaJson, status] = value as [string | null, string | null];
      if (!metaJson || !status) return null;
      const m = JSON.parse(metaJson) as DeliveryMeta;
      return { eventId: m.eventId, eventType: m.eventType, entityId: m.entity.id, uri: m.endpoint.uri, status: status as DeliveryStatus };
    });
  }

  /** Several records, one round trip per partition, in the order of `ids`, missing ones left out. */
  private async getMany(ids: string[]): Promise<DeliveryRecord[]> {
    const read = new Map<string, DeliveryRecord>();
    await Promise.all(
      [...this.byPartition(ids, (id) => id)].map(async ([, inPartition]) => {
        const pipeline = this.redis.pipeline();
        for (const id of inPartition) pipeline.hgetall(this.recordKey(id)).lrange(this.attemptsKey(id), 0, -1);
        const results = (await pipeline.exec()) ?? [];
        inPartition.forEach((id, i) => {
          const [hashErr, hash] = results[2 * i] as [Error | null, Record<string, string>];
          const [listErr, attempts] = results[2 * i + 1] as [Error | null, string[]];
          if (hashErr) throw hashErr;
          if (listErr) throw listErr;
          if (!hash.meta) return;
          read.set(id, {
            ...(JSON.parse(hash.meta) as DeliveryMeta),
            status: hash.status as DeliveryStatus,
            series: Number(hash.series),
            createdAt: Number(hash.createdAt),
            updatedAt: Number(hash.updatedAt),
            // The only attempt sits in the record until a second one moves it to the list.
            attempts: (hash.attempt === undefined ? attempts : [hash.attempt, ...attempts]).map((a) => JSON.parse(a) as AttemptRecord),
          });
        });
      }),
    );
    return ids.flatMap((id) => read.get(id) ?? []);
  }

  /** `items` by the partition of the delivery each names. */
  private byPartition<T>(items: T[], deliveryIdOf: (item: T) => string): Map<Partition, T[]> {
    const groups = new Map<Partition, T[]>();
    for (const item of items) {
      const partition = this.partitions.of(eventIdOf(deliveryIdOf(item)));
      const group = groups.get(partition);
      if (group) group.push(item);
      else groups.set(partition, [item]);
    }
    return groups;
  }

  private recordKey(id: string): string {
    return partitionKey(this.partitions.of(eventIdOf(id)), 'delivery', id);
  }

  private attemptsKey(id: string): string {
    return partitionKey(this.partitions.of(eventIdOf(id)), 'delivery', id, 'attempts');
  }

  private allKey(partition: Partition): string {
    return partitionKey(partition, 'delivery-index', 'all');
  }

  /** The owners index of the partition of an event or entity. */
  private ownersKey(ownerId: string): string {
    return partitionKey(this.partitions.of(ownerId), 'delivery-index', 'owners');
  }

  private statusKey(partition: Partition, status: IndexedStatus): string {
    return partitionKey(partition, 'delivery-index', 'status', status);
  }

  /** In the order the attempt script expects: pending, retrying, failed, held. */
  private statusKeys(partition: Partition): string[] {
    return INDEXED_STATUSES.map((s) => this.statusKey(partition, s));
  }
}

/** A cursor that this service did not make (or that was altered). */
export class InvalidCursor extends Error {
  constructor() {
    super('cursor is not a cursor of this list; use the one a previous page gave');
  }
}

/**
 * The attempt's JSON members other than `series` and `attempt` (`"at":...,"status":...`), which
 * the writer puts after those two: `{"series":1,"attempt":2,<these>}`.
 */
function attemptMembers(attempt: Omit<AttemptRecord, 'series'>): string {
  // Fixed field order; JSON.stringify leaves out what is undefined.
  const stored: Omit<AttemptRecord, 'series' | 'attempt'> = {
    at: attempt.at,
    status: attempt.status,
    latencyMs: attempt.latencyMs,
    error: attempt.error,
    response: attempt.response,
    outcome: attempt.outcome,
  };
  const json = JSON.stringify(stored);
  // The object's members, without its braces.
  return json.slice(1, -1);
}

/** Runs `pipeline`; throws the first command's error, if any failed. */
async function execPipeline(pipeline: ChainableCommander): Promise<void> {
  for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
}

/** The ids of `entries` grouped by the key `keyOf` gives each. */
function groupIds<E extends AttemptEntry>(entries: E[], keyOf: (e: E) => string): Map<string, string[]> {
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
