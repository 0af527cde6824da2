import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '@app/platform';
import { StateStore } from '../state-store/state-store.service';
import { StoredEntity } from '../state-store/stored-entity';
import { compareForSort, Criterion, matches, valueOf } from './criteria';
import { planQuery, QueryPlan } from './query-plan';
import { isIndexed, QuerySchema, TIME_INDEXES } from './query-schema';

const LOAD_BATCH = 1000;

/** Where the candidate ids come from, in ascending order of `orderedBy`. */
interface Source {
  /** One key (a page can be cut in Redis), several to intersect, or several to unite. */
  keys: string[];
  combine: 'one' | 'intersect' | 'union';
  /** Criteria the source alone satisfies (no need to test them on the objects). */
  covers: Criterion[];
  orderedBy: string;
  range?: { min: number | string; max: number | string };
}

/**
 * EDC's QuerySpec over the stored objects, driven by the Redis indexes (see docs/architecture.md,
 * "Queries"): `=` filters on indexed fields are intersected in Redis, an `in` unites its values'
 * sets, a time range cuts a score range; when the index answers the whole query the page is
 * cut in Redis. When objects must be read, they are read in index order, and the scan stops
 * as soon as the page is full if the index order is the order asked for.
 */
@Injectable()
export class QueryService {
  constructor(
    private readonly store: StateStore,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async query<E extends StoredEntity>(schema: QuerySchema, body: unknown): Promise<E[]> {
    const plan = await planQuery(schema, body);
    const source = await this.chooseSource(schema, plan);
    const rest = plan.criteria.filter((c) => !source.covers.includes(c));
    const inIndexOrder = source.orderedBy === plan.sortField;

    if (rest.length === 0 && inIndexOrder && source.combine === 'one') {
      const ids = await this.page(source, plan);
      return this.store.getMany<E>(schema.kind, ids);
    }

    let ids = await this.orderedIds(source);
    if (inIndexOrder && plan.descending) ids = ids.reverse();
    if (rest.length === 0 && inIndexOrder) return this.store.getMany<E>(schema.kind, ids.slice(plan.offset, plan.offset + plan.limit));

    const wanted = plan.offset + plan.limit;
    const found: E[] = [];
    for (let i = 0; i < ids.length && !(inIndexOrder && found.length >= wanted); i += LOAD_BATCH) {
      const batch = await this.store.getMany<E>(schema.kind, ids.slice(i, i + LOAD_BATCH));
      for (const entity of batch)
        if (rest.every((c) => matches(valueOf(entity, c.field, c.type, schema.stateCodes), c))) found.push(entity);
    }
    if (!inIndexOrder) found.sort(this.comparator(schema, plan));
    return found.slice(plan.offset, wanted);
  }

  private comparator<E extends StoredEntity>(schema: QuerySchema, plan: QueryPlan): (a: E, b: E) => number {
    const type = schema.fields[plan.sortField];
    return (a, b) => {
      const order = compareForSort(valueOf(a, plan.sortField, type, schema.stateCodes), valueOf(b, plan.sortField, type, schema.stateCodes));
      return (plan.descending ? -order : order) || a.createdAt - b.createdAt;
    };
  }

  private async chooseSource(schema: QuerySchema, plan: QueryPlan): Promise<Source> {
    const lookups = plan.criteria
      .filter((c) => (c.operator === '=' || c.operator === 'in') && isIndexed(schema, c.field))
      .map((c) => ({ criterion: c, keys: [c.operand].flat().map((v) => this.store.indexKey(schema.kind, c.field, indexValue(schema, c, v))) }));
    const equalities = lookups.filter((l) => l.criterion.operator === '=');
    if (equalities.length > 1)
      return { keys: equalities.map((l) => l.keys[0]), combine: 'intersect', covers: equalities.map((l) => l.criterion), orderedBy: 'createdAt' };
    if (lookups.length > 0) {
      const best = await this.smallest(lookups);
      return { keys: best.keys, combine: best.keys.length === 1 ? 'one' : 'union', covers: [best.criterion], orderedBy: 'createdAt' };
    }
    for (const field of TIME_INDEXES) {
      const ranges = plan.criteria.filter((c) => c.field === field && ['<', '<=', '>', '>=', '='].includes(c.operator));
      if (ranges.length === 0) continue;
      let min: number | string = '-inf';
      let max: number | string = '+inf';
      for (const c of ranges) {
        const v = c.operand as number;
        if (c.operator === '>' || c.operator === '>=' || c.operator === '=') min = c.operator === '>' ? `(${v}` : v;
        if (c.operator === '<' || c.operator === '<=' || c.operator === '=') max = c.operator === '<' ? `(${v}` : v;
      }
      // With several bounds of one kind only the last narrows the range; all are re-checked.
      return { keys: [this.store.indexKey(schema.kind, field)], combine: 'one', covers: ranges.length === 1 ? ranges : [], orderedBy: field, range: { min, max } };
    }
    const orderedBy = (TIME_INDEXES as readonly string[]).includes(plan.sortField) ? plan.sortField : 'createdAt';
    return { keys: [this.store.indexKey(schema.kind, orderedBy)], combine: 'one', covers: [], orderedBy };
  }

  /** The lookup with the fewest candidates, by the sizes of its sorted sets. */
  private async smallest<L extends { keys: string[] }>(lookups: L[]): Promise<L> {
    if (lookups.length === 1) return lookups[0];
    const pipeline = this.redis.pipeline();
    for (const { keys } of lookups) for (const key of keys) pipeline.zcard(key);
    const counts = ((await pipeline.exec()) ?? []).map(([, n]) => Number(n));
    let at = 0;
    const sized = lookups.map((l) => ({ lookup: l, size: l.keys.reduce((sum) => sum + counts[at++], 0) }));
    return sized.reduce((a, b) => (b.size < a.size ? b : a)).lookup;
  }

  private page(source: Source, { offset, limit, descending }: QueryPlan): Promise<string[]> {
    const [key] = source.keys;
    if (source.range) {
      const { min, max } = source.range;
      return descending
        ? this.redis.zrevrangebyscore(key, max, min, 'LIMIT', offset, limit)
        : this.redis.zrangebyscore(key, min, max, 'LIMIT', offset, limit);
    }
    return descending ? this.redis.zrevrange(key, offset, offset + limit - 1) : this.redis.zrange(key, offset, offset + limit - 1);
  }

  private orderedIds(source: Source): Promise<string[]> {
    const { keys, range } = source;
    if (range) return this.redis.zrangebyscore(keys[0], range.min, range.max);
    // Equality sets are all scored by creation time, so MIN keeps that order.
    if (source.combine === 'intersect') return this.redis.zinter(keys.length, ...keys, 'AGGREGATE', 'MIN');
    if (source.combine === 'union') return this.redis.zunion(keys.length, ...keys, 'AGGREGATE', 'MIN');
    return this.redis.zrange(keys[0], 0, -1);
  }
}

/** Index keys hold the stored value as text; for `state` that is its name. */
function indexValue(schema: QuerySchema, criterion: Criterion, operand: unknown): string {
  if (criterion.type !== 'state') return String(operand);
  return Object.entries(schema.stateCodes).find(([, code]) => code === operand)![0];
}
