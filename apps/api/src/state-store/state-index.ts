import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { Partition, REDIS, withScripts } from '@app/platform';
import { IndexedKind } from './entity-indexes';
import { StateStore } from './state-store.service';
import { CREATED_AT_WIDTH, isFolded, lexRange, parseMember, valuePrefix } from './equality-members';
import COMBINE_INDEXES from './scripts/combine-indexes.lua';
import INDEX_SIZES from './scripts/index-sizes.lua';

/** This store's scripts, as commands of its connection. */
interface Scripts {
  cbIndexSizes(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
  cbCombineIndexes(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<string[] | number>;
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
 * every index is per partition, ordered by creation time (equality indexes) or by the time it
 * is named after, and answered with those times so that partitions can be merged. An equality
 * index of a field that never changes is a range of the folded index (equality-members.ts),
 * read by lex; `state`'s and the time indexes are sorted sets of their own, read by score.
 * Only the time indexes are ever given a score range (QueryService.chooseSource).
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
      cbCombineIndexes: { lua: COMBINE_INDEXES },
    });
  }

  /** The first `count` ids of one index of `partition`, in score order (reversed when `descending`). */
  async head(
    partition: Partition,
    kind: IndexedKind,
    ref: IndexRef,
    count: number,
    descending: boolean,
    range: ScoreRange = ALL_SCORES,
  ): Promise<Scored[]> {
    const index = this.index(partition, kind, ref, range);
    if (index.prefix !== null) return this.lexSlice(index.key, index.prefix, 0, count, descending);
    return pairs(
      descending
        ? await this.redis.zrange(index.key, range.max, range.min, 'BYSCORE', 'REV', 'LIMIT', 0, count, 'WITHSCORES')
        : await this.redis.zrange(index.key, range.min, range.max, 'BYSCORE', 'LIMIT', 0, count, 'WITHSCORES'),
    );
  }

  /** Every id of one index of `partition` in `range`, in score order. */
  async inRange(partition: Partition, kind: IndexedKind, ref: IndexRef, range: ScoreRange): Promise<Scored[]> {
    const index = this.index(partition, kind, ref, range);
    if (index.prefix !== null) return this.lexSlice(index.key, index.prefix, 0, -1, false);
    return pairs(await this.redis.zrangebyscore(index.key, range.min, range.max, 'WITHSCORES'));
  }

  /**
   * The ids of `partition` in all of `refs` (`intersect`) or in any (`union`), in creation order
   * (ties by id), as ZINTER and ZUNION with AGGREGATE MIN gave: by one script, since a ref may
   * be a range of the folded index.
   */
  async combined(partition: Partition, kind: IndexedKind, refs: IndexRef[], how: 'intersect' | 'union'): Promise<Scored[]> {
    const found = pairs((await this.combine(partition, kind, refs, how, 0, false)) as string[]);
    return how === 'intersect' ? found : byCreation(found);
  }

  /** The first `count` ids of `partition` in all of `refs`, in creation order (reversed when `descending`). */
  async intersectionHead(partition: Partition, kind: IndexedKind, refs: IndexRef[], count: number, descending: boolean): Promise<Scored[]> {
    return pairs((await this.combine(partition, kind, refs, 'intersect', count, descending)) as string[]);
  }

  /**
   * How many ids each group of indexes holds over every partition (a group: the values of one
   * lookup), by one script per partition, not a command per index and partition.
   */
  async sizes(kind: IndexedKind, groups: IndexRef[][]): Promise<number[]> {
    const perPartition = await Promise.all(
      this.store.partitions.all.map((p) => {
        const indexes = groups.flatMap((refs) => refs.map((ref) => this.index(p, kind, ref, ALL_SCORES)));
        return this.redis.cbIndexSizes(
          indexes.length,
          ...indexes.map((i) => i.key),
          groups.length,
          ...groups.map((refs) => refs.length),
          ...indexes.map((i) => i.prefix ?? ''),
        );
      }),
    );
    return groups.map((_, g) => perPartition.reduce((sum, sizes) => sum + Number(sizes[g]), 0));
  }

  /** How many ids of one index of `partition` lie in `range`. */
  countInRange(partition: Partition, kind: IndexedKind, ref: IndexRef, range: ScoreRange): Promise<number> {
    const index = this.index(partition, kind, ref, range);
    if (index.prefix === null) return this.redis.zcount(index.key, range.min, range.max);
    const { min, max } = lexRange(index.prefix);
    return this.redis.zlexcount(index.key, min, max);
  }

  /** How many ids of `partition` are in all of `refs`, counted up to `limit` (0: all). */
  async countIntersection(partition: Partition, kind: IndexedKind, refs: IndexRef[], limit: number): Promise<number> {
    return Number(await this.combine(partition, kind, refs, 'count', limit, false));
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
    const index = this.index(partition, kind, ref, range);
    if (index.prefix !== null) return (await this.lexSlice(index.key, index.prefix, from, count, descending)).map((s) => s.id);
    return descending
      ? this.redis.zrange(index.key, range.max, range.min, 'BYSCORE', 'REV', 'LIMIT', from, count)
      : this.redis.zrange(index.key, range.min, range.max, 'BYSCORE', 'LIMIT', from, count);
  }

  private combine(
    partition: Partition,
    kind: IndexedKind,
    refs: IndexRef[],
    how: 'intersect' | 'union' | 'count',
    limit: number,
    descending: boolean,
  ): Promise<string[] | number> {
    const indexes = refs.map((ref) => this.index(partition, kind, ref, ALL_SCORES));
    return this.redis.cbCombineIndexes(
      indexes.length,
      ...indexes.map((i) => i.key),
      how,
      limit,
      CREATED_AT_WIDTH,
      descending ? 1 : 0,
      ...indexes.map((i) => i.prefix ?? ''),
    );
  }

  /** Members `from` .. `from + count` (count -1: all) of one value's range of the folded index, as ids with creation times. */
  private async lexSlice(key: string, prefix: string, from: number, count: number, descending: boolean): Promise<Scored[]> {
    const { min, max } = lexRange(prefix);
    const members = descending
      ? await this.redis.zrangeBuffer(key, max, min, 'BYLEX', 'REV', 'LIMIT', from, count)
      : await this.redis.zrangeBuffer(key, min, max, 'BYLEX', 'LIMIT', from, count);
    const prefixBytes = Buffer.byteLength(prefix, 'utf8');
    return members.map((m) => parseMember(m, prefixBytes));
  }

  /**
   * Where `ref` is kept: a sorted set of its own (prefix null), or the range of the folded index
   * that starts with `prefix`. A folded index has no scores, so it cannot be cut by a range.
   */
  private index(partition: Partition, kind: IndexedKind, ref: IndexRef, range: ScoreRange): { key: string; prefix: string | null } {
    if (ref.value === undefined || !isFolded(kind, ref.field))
      return { key: this.store.indexKey(partition, kind, ref.field, ref.value), prefix: null };
    if (String(range.min) !== '-inf' || String(range.max) !== '+inf')
      throw new Error(`The equality index of ${ref.field} has no score range`);
    return { key: this.store.valuesKey(partition, kind), prefix: valuePrefix(ref.field, ref.value) };
  }
}

/** Every score: an index read whole. */
export const ALL_SCORES: ScoreRange = { min: '-inf', max: '+inf' };

/** A `WITHSCORES` reply (or the combine script's) as ids with scores. */
function pairs(flat: string[]): Scored[] {
  const out: Scored[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ id: flat[i], score: Number(flat[i + 1]) });
  return out;
}

/** Ids from several indexes as one list in creation order, ties by id, each once at its earliest time. */
function byCreation(found: Scored[]): Scored[] {
  const earliest = new Map<string, number>();
  for (const { id, score } of found) earliest.set(id, Math.min(score, earliest.get(id) ?? Infinity));
  return [...earliest].map(([id, score]) => ({ id, score })).sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
