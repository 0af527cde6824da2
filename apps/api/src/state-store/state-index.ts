import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { Partition, REDIS, withScripts } from '@app/platform';
import { IndexedKind } from './entity-indexes';
import { StateStore } from './state-store.service';
import INDEX_SIZES from './scripts/index-sizes.lua';

/** This store's scripts, as commands of its connection. */
interface Scripts {
  cbIndexSizes(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
}

/** An index of one partition, named by its field (and value, for an equality index). */
export interface IndexRef {
  field: string;
  value?: string;
}

/** A score range of a time index; bounds as Redis takes them (`(` for exclusive, `-inf`/`+inf`). */
export interface ScoreRange {
  min: number | string;
  max: number | string;
}

/** An id with its index score (the time its index is ordered by). */
export interface Scored {
  id: string;
  score: number;
}

/**
 * The reads of the state store's indexes (which `StateStore` writes, in its commit scripts):
 * every sorted set is per partition, scored by creation time (equality indexes) or by the time
 * it is named after, and answered with its scores so that partitions can be merged.
 */
@Injectable()
export class StateIndex {
  private readonly redis: Redis & Scripts;

  constructor(
    private readonly store: StateStore,
    @Inject(REDIS) redis: Redis,
  ) {
    this.redis = withScripts<Scripts>(redis, {
      // The number of keys varies with the lookups, so it is given per call.
      cbIndexSizes: { lua: INDEX_SIZES },
    });
  }

  /** The first `count` ids of one index of `partition`, in score order (reversed when `descending`). */
  async head(
    partition: Partition,
    kind: IndexedKind,
    ref: IndexRef,
    count: number,
    descending: boolean,
    range: ScoreRange = { min: '-inf', max: '+inf' },
  ): Promise<Scored[]> {
    const key = this.key(partition, kind, ref);
    return pairs(
      descending
        ? await this.redis.zrange(key, range.max, range.min, 'BYSCORE', 'REV', 'LIMIT', 0, count, 'WITHSCORES')
        : await this.redis.zrange(key, range.min, range.max, 'BYSCORE', 'LIMIT', 0, count, 'WITHSCORES'),
    );
  }

  /** Every id of one index of `partition` in `range`, in score order. */
  async inRange(partition: Partition, kind: IndexedKind, ref: IndexRef, range: ScoreRange): Promise<Scored[]> {
    return pairs(await this.redis.zrangebyscore(this.key(partition, kind, ref), range.min, range.max, 'WITHSCORES'));
  }

  /**
   * The ids of `partition` in all of `refs` (`intersect`) or in any (`union`), in creation order:
   * equality indexes are all scored by creation time, so MIN keeps it.
   */
  async combined(partition: Partition, kind: IndexedKind, refs: IndexRef[], how: 'intersect' | 'union'): Promise<Scored[]> {
    const keys = refs.map((ref) => this.key(partition, kind, ref));
    const reply =
      how === 'intersect'
        ? await this.redis.zinter(keys.length, ...keys, 'AGGREGATE', 'MIN', 'WITHSCORES')
        : await this.redis.zunion(keys.length, ...keys, 'AGGREGATE', 'MIN', 'WITHSCORES');
    return pairs(reply);
  }

  /**
   * How many ids each group of indexes holds over every partition (a group: the values of one
   * lookup), by one script per partition, not a command per index and partition.
   */
  async sizes(kind: IndexedKind, groups: IndexRef[][]): Promise<number[]> {
    const perPartition = await Promise.all(
      this.store.partitions.all.map((p) => {
        const keys = groups.flatMap((refs) => refs.map((ref) => this.key(p, kind, ref)));
        return this.redis.cbIndexSizes(keys.length, ...keys, ...groups.map((refs) => refs.length));
      }),
    );
    return groups.map((_, g) => perPartition.reduce((sum, sizes) => sum + Number(sizes[g]), 0));
  }

  /** How many ids of one index of `partition` lie in `range`. */
  countInRange(partition: Partition, kind: IndexedKind, ref: IndexRef, range: ScoreRange): Promise<number> {
    return this.redis.zcount(this.key(partition, kind, ref), range.min, range.max);
  }

  /** How many ids of `partition` are in all of `refs`, counted up to `limit` (0: all). */
  countIntersection(partition: Partition, kind: IndexedKind, refs: IndexRef[], limit: number): Promise<number> {
    const keys = refs.map((ref) => this.key(partition, kind, ref));
    return this.redis.zintercard(keys.length, ...keys, 'LIMIT', limit) as Promise<number>;
  }

  /** Ids `from` .. `from + count` of one index of `partition` in `range`, in score order (reversed when `descending`). */
  async slice(
    partition: Partition,
    kind: IndexedKind,
    ref: IndexRef,
    range: ScoreRange,
    from: number,
    count: number,
    descending: boolean,
  ): Promise<string[]> {
    const key = this.key(partition, kind, ref);
    return descending
      ? this.redis.zrange(key, range.max, range.min, 'BYSCORE', 'REV', 'LIMIT', from, count)
      : this.redis.zrange(key, range.min, range.max, 'BYSCORE', 'LIMIT', from, count);
  }

  private key(partition: Partition, kind: IndexedKind, ref: IndexRef): string {
    return this.store.indexKey(partition, kind, ref.field, ref.value);
  }
}

/** A `WITHSCORES` reply as ids with scores. */
function pairs(flat: string[]): Scored[] {
  const out: Scored[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ id: flat[i], score: Number(flat[i + 1]) });
  return out;
}
