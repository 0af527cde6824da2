import { Inject, Injectable } from '@nestjs/common';
import pLimit from 'p-limit';
import { APP_CONFIG, AppConfig, Partition } from '@app/platform';
import { IndexedKind } from '../state-store/entity-indexes';
import { ALL_SCORES, IndexRef, Scored, StateIndex } from '../state-store/state-index';
import { StateStore } from '../state-store/state-store.service';
import { StoredEntity } from '../state-store/stored-entity';
import { InvalidInput } from '../domain/domain-errors';
import { compareForSort, Criterion, matches, valueOf } from './criteria';
import { QueryPlan } from './query-plan';
import { fieldType, isIndexed, QuerySchema, TIME_INDEXES } from './query-schema';

/**
 * Objects read in one round trip of a scan. A scan that stops once its page is full starts
 * with a batch the size of what it still needs (at least MIN_BATCH) and doubles it, so a
 * filter that matches often reads little more than the page; a batch is also the most work
 * done between two turns of the event loop.
 */
const LOAD_BATCH = 250;
const MIN_BATCH = 64;
/** Objects of a page the indexes answer alone, read in one round trip. */
const PAGE_BATCH = 1000;
/**
 * Batches of objects read and tested at once in this process, over all queries. Each batch is
 * a round trip and then up to LOAD_BATCH objects parsed and tested in one turn of the event
 * loop; with no gate, four clients scanning 16 partitions each would queue 64 such turns ahead
 * of every other request (a create waited seconds). With it, another request waits behind at
 * most this many (bench/holdup.bench.ts); the heavy queries wait for each other instead. A
 * page the indexes answer alone does not go through it.
 */
const BATCHES_AT_ONCE = 2;

/** Where the candidate ids come from, in ascending order of `orderedBy`, in each partition. */
interface Source {
  /** One index (a page can be cut in Redis), several to intersect, or several to unite. */
  indexes: IndexRef[];
  combine: 'one' | 'intersect' | 'union';
  /** Criteria the source alone satisfies (no need to test them on the objects). */
  covers: Criterion[];
  orderedBy: string;
  /** Only with a time index: an equality index may be a range of the folded index, which has no scores to cut. */
  range?: { min: number | string; max: number | string };
}

/**
 * EDC's QuerySpec over the stored objects, driven by the Redis indexes (see docs/architecture.md,
 * "Queries"): `=` filters on indexed fields are intersected in Redis (by a script), an `in`
 * unites its values' indexes, a time range cuts a score range; when the index answers the
 * whole query the page is cut in Redis. When objects must be read, they are read in index order, and the scan stops
 * as soon as the page is full if the index order is the order asked for.
 *
 * Every partition has its own indexes, so each query is a scatter-gather: each partition gives
 * its first `offset + limit` in the order asked for, and the merge cuts the page. When the
 * index order is the order asked for, partitions give only ids with their scores, and only the
 * page's objects are read.
 *
 * The work is bounded whatever the query (query-limits.ts): objects are read in batches, each
 * a round trip that lets other requests run, and at most `maxScanned` over all partitions; a
 * query that would need more is refused with a 400 that says so, before reading anything when
 * the count is known up front (a sort with no order index reads every candidate).
 */
@Injectable()
export class QueryService {
  private readonly maxScanned: number;
  private readonly batches = pLimit(BATCHES_AT_ONCE);

  constructor(
    private readonly store: StateStore,
    private readonly index: StateIndex,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.maxScanned = config.queryMaxScanned;
  }

  /** A validated plan over `schema`'s objects (parsed at the edge, or rewritten by a caller from a QuerySpec of its own view). */
  async query<E extends StoredEntity>(schema: QuerySchema, plan: QueryPlan): Promise<E[]> {
    const source = await this.chooseSource(schema, plan);
    const rest = plan.criteria.filter((c) => !source.covers.includes(c));
    const inIndexOrder = source.orderedBy === plan.sortField;
    const partitions = this.store.partitions.all;
    const wanted = plan.offset + plan.limit;

    if (rest.length === 0 && inIndexOrder) {
      const heads = await Promise.all(partitions.map((p) => this.head(p, schema.kind, source, plan, wanted)));
      const page = mergeScored(heads, plan.descending).slice(plan.offset, wanted);
      const found: E[] = [];
      for (let i = 0; i < page.length; i += PAGE_BATCH) {
        const ids = page.slice(i, i + PAGE_BATCH).map((s) => s.id);
        // Not through the gate: a page the indexes answer is the cheap, common query.
        found.push(...(await this.store.getMany<E>(schema.kind, ids)));
      }
      return found;
    }

    if (!inIndexOrder) {
      const candidates = await this.candidateCount(schema.kind, source);
      if (candidates > this.maxScanned) throw tooManyToSort(plan.sortField, candidates, this.maxScanned);
    }
    const budget = { left: this.maxScanned };
    const heads = await Promise.all(partitions.map((p) => this.scan<E>(p, schema, source, rest, plan, inIndexOrder, wanted, budget)));
    return heads.flat().sort(this.comparator(schema, plan)).slice(plan.offset, wanted);
  }

  /** The first `wanted` ids of one partition in the source's order (reversed when descending), with their scores. */
  private async head(partition: Partition, kind: IndexedKind, source: Source, plan: QueryPlan, wanted: number): Promise<Scored[]> {
    if (source.combine === 'one') return this.index.head(partition, kind, source.indexes[0], wanted, plan.descending, source.range);
    if (source.combine === 'intersect') return this.index.intersectionHead(partition, kind, source.indexes, wanted, plan.descending);
    const all = await this.orderedIds(partition, kind, source);
    return (plan.descending ? all.reverse() : all).slice(0, wanted);
  }

  /**
   * One partition's objects that match `rest`, read in index order: its first `wanted` in the
   * order asked for, found by stopping early when that is the index order, otherwise by
   * keeping the first `wanted` of every match read so far (so memory stays bounded by the page).
   * Every object read is taken from `budget`, shared by the partitions of one query.
   */
  private async scan<E extends StoredEntity>(
    partition: Partition,
    schema: QuerySchema,
    source: Source,
    rest: Criterion[],
    plan: QueryPlan,
    inIndexOrder: boolean,
    wanted: number,
    budget: { left: number },
  ): Promise<E[]> {
    const descending = inIndexOrder && plan.descending;
    // A single index is read a slice at a time; a union or intersection comes whole (ids only).
    const all = source.combine === 'one' ? null : (await this.orderedIds(partition, schema.kind, source)).map((s) => s.id);
    if (all && descending) all.reverse();
    const found: E[] = [];
    let from = 0;
    let batch = inIndexOrder ? Math.min(LOAD_BATCH, Math.max(MIN_BATCH, wanted)) : LOAD_BATCH;
    while (!(inIndexOrder && found.length >= wanted)) {
      const [at, size] = [from, batch];
      const ids = await this.batches(async () => {
        // Another partition used up the budget: the query has been answered (400), so the
        // batches it left queued read nothing more.
        if (budget.left < 0) throw tooManyToFilter(this.maxScanned);
        const slice = all
          ? all.slice(at, at + size)
          : await this.index.slice(partition, schema.kind, source.indexes[0], source.range ?? ALL_SCORES, at, size, descending);
        if (slice.length > budget.left) {
          budget.left = -1;
          throw tooManyToFilter(this.maxScanned);
        }
        budget.left -= slice.length;
        for (const entity of await this.store.getMany<E>(schema.kind, slice))
          if (rest.every((c) => matches(valueOf(entity, c.field, c.type, schema.stateCodes), c))) found.push(entity);
        return slice;
      });
      from += ids.length;
      // Every match is needed only to sort them: the first `wanted` so far are kept, no more.
      if (!inIndexOrder && found.length > Math.max(2 * wanted, LOAD_BATCH)) {
        found.sort(this.comparator(schema, plan));
        found.length = wanted;
      }
      if (ids.length < batch) break;
      batch = Math.min(LOAD_BATCH, batch * 2);
    }
    return found;
  }

  /** How many candidates `source` gives over every partition (an intersection counted up to just past the cap). */
  private async candidateCount(kind: IndexedKind, source: Source): Promise<number> {
    if (source.combine === 'union') return (await this.index.sizes(kind, [source.indexes]))[0];
    const partitions = this.store.partitions.all;
    const counts = await Promise.all(
      partitions.map((p) =>
        source.combine === 'one'
          ? this.index.countInRange(p, kind, source.indexes[0], source.range ?? ALL_SCORES)
          : this.index.countIntersection(p, kind, source.indexes, this.maxScanned + 1),
      ),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }

  private comparator<E extends StoredEntity>(schema: QuerySchema, plan: QueryPlan): (a: E, b: E) => number {
    const type = fieldType(schema, plan.sortField)!;
    return (a, b) => {
      const order = compareForSort(
        valueOf(a, plan.sortField, type, schema.stateCodes),
        valueOf(b, plan.sortField, type, schema.stateCodes),
      );
      return (plan.descending ? -order : order) || a.createdAt - b.createdAt;
    };
  }

  private async chooseSource(schema: QuerySchema, plan: QueryPlan): Promise<Source> {
    const lookups = plan.criteria
      .filter((c) => (c.operator === '=' || c.operator === 'in') && isIndexed(schema, c.field))
      .map((c) => ({
        criterion: c,
        indexes: [c.operand].flat().map((v): IndexRef => ({ field: c.field, value: indexValue(schema, c, v) })),
      }));
    const equalities = lookups.filter((l) => l.criterion.operator === '=');
    if (equalities.length > 1)
      return {
        indexes: equalities.map((l) => l.indexes[0]),
        combine: 'intersect',
        covers: equalities.map((l) => l.criterion),
        orderedBy: 'createdAt',
      };
    if (lookups.length > 0) {
      const best = await this.smallest(schema.kind, lookups);
      return {
        indexes: best.indexes,
        combine: best.indexes.length === 1 ? 'one' : 'union',
        covers: [best.criterion],
        orderedBy: 'createdAt',
      };
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
      return { indexes: [{ field }], combine: 'one', covers: ranges.length === 1 ? ranges : [], orderedBy: field, range: { min, max } };
    }
    const orderedBy = (TIME_INDEXES as readonly string[]).includes(plan.sortField) ? plan.sortField : 'createdAt';
    return { indexes: [{ field: orderedBy }], combine: 'one', covers: [], orderedBy };
  }

  /** The lookup with the fewest candidates, by the sizes of its sorted sets in every partition. */
  private async smallest<L extends { indexes: IndexRef[] }>(kind: IndexedKind, lookups: L[]): Promise<L> {
    if (lookups.length === 1) return lookups[0];
    const sizes = await this.index.sizes(
      kind,
      lookups.map((l) => l.indexes),
    );
    return lookups[sizes.indexOf(Math.min(...sizes))];
  }

  /** Every id of one partition's source, in ascending order of `orderedBy`, with its score. */
  private orderedIds(partition: Partition, kind: IndexedKind, source: Source): Promise<Scored[]> {
    const [first] = source.indexes;
    if (source.combine === 'one') return this.index.inRange(partition, kind, first, source.range ?? ALL_SCORES);
    return this.index.combined(partition, kind, source.indexes, source.combine);
  }
}

/** A sort on a field with no order index reads every candidate: refused before reading when there are too many. */
function tooManyToSort(sortField: string, candidates: number, cap: number): InvalidInput {
  return new InvalidInput([
    {
      message: `Sorting by ${sortField} reads every matching object, and this query matches ${candidates}; a query may read at most ${cap}: narrow it with "=" or "in" on an indexed field or a createdAt or stateTimestamp range, or sort by createdAt or stateTimestamp (docs/architecture.md, "Queries")`,
      path: 'sortField',
      invalidValue: sortField,
    },
  ]);
}

/** A filter no index answers reads objects until its page is full: refused once it has read the cap. */
function tooManyToFilter(cap: number): InvalidInput {
  return new InvalidInput([
    {
      message: `This query filters on fields without an index, and filling its page needs more than the ${cap} objects a query may read: narrow it with "=" or "in" on an indexed field or a createdAt or stateTimestamp range (docs/architecture.md, "Queries")`,
      path: 'filterExpression',
      invalidValue: null,
    },
  ]);
}

/**
 * The partitions' heads as one list in the order a single sorted set would give: by score,
 * ties by id (reversed when descending).
 */
function mergeScored(heads: Scored[][], descending: boolean): Scored[] {
  const sign = descending ? -1 : 1;
  return heads.flat().sort((a, b) => sign * (a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
}

/** Index keys hold the stored value as text; for `state` that is its name. */
function indexValue(schema: QuerySchema, criterion: Criterion, operand: unknown): string {
  if (criterion.type !== 'state') return String(operand);
  return Object.entries(schema.stateCodes).find(([, code]) => code === operand)![0];
}
