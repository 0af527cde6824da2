import { Injectable } from '@nestjs/common';
import { Partition } from '@app/platform';
import { IndexedKind } from '../state-store/entity-indexes';
import { IndexRef, Scored, StateIndex } from '../state-store/state-index';
import { StateStore } from '../state-store/state-store.service';
import { StoredEntity } from '../state-store/stored-entity';
import { compareForSort, Criterion, matches, valueOf } from './criteria';
import { planQuery, QueryPlan } from './query-plan';
import { fieldType, isIndexed, QuerySchema, TIME_INDEXES } from './query-schema';

const LOAD_BATCH = 1000;

/** Where the candidate ids come from, in ascending order of `orderedBy`, in each partition. */
interface Source {
  /** One index (a page can be cut in Redis), several to intersect, or several to unite. */
  indexes: IndexRef[];
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
 *
 * Every partition has its own indexes, so each query is a scatter-gather: each partition gives
 * its first `offset + limit` in the order asked for, and the merge cuts the page. When the
 * index order is the order asked for, partitions give only ids with their scores, and only the
 * page's objects are read.
 */
@Injectable()
export class QueryService {
  constructor(
    private readonly store: StateStore,
    private readonly index: StateIndex,
  ) {}

  async query<E extends StoredEntity>(schema: QuerySchema, body: unknown): Promise<E[]> {
    return this.run<E>(schema, await planQuery(schema, body));
  }

  /** A validated plan over `schema`'s objects (a caller may have rewritten a QuerySpec of its own view into it). */
  async run<E extends StoredEntity>(schema: QuerySchema, plan: QueryPlan): Promise<E[]> {
    const source = await this.chooseSource(schema, plan);
    const rest = plan.criteria.filter((c) => !source.covers.includes(c));
    const inIndexOrder = source.orderedBy === plan.sortField;
    const partitions = this.store.partitions.all;
    const wanted = plan.offset + plan.limit;

    if (rest.length === 0 && inIndexOrder) {
      const heads = await Promise.all(partitions.map((p) => this.head(p, schema.kind, source, plan, wanted)));
      const page = mergeScored(heads, plan.descending).slice(plan.offset, wanted);
      return this.store.getMany<E>(
        schema.kind,
        page.map((s) => s.id),
      );
    }

    const heads = await Promise.all(partitions.map((p) => this.scan<E>(p, schema, source, rest, plan, inIndexOrder, wanted)));
    return heads.flat().sort(this.comparator(schema, plan)).slice(plan.offset, wanted);
  }

  /** The first `wanted` ids of one partition in the source's order (reversed when descending), with their scores. */
  private async head(partition: Partition, kind: IndexedKind, source: Source, plan: QueryPlan, wanted: number): Promise<Scored[]> {
    if (source.combine === 'one') return this.index.head(partition, kind, source.indexes[0], wanted, plan.descending, source.range);
    const all = await this.orderedIds(partition, kind, source);
    return (plan.descending ? all.reverse() : all).slice(0, wanted);
  }

  /**
   * One partition's objects that match `rest`, read in index order: its first `wanted` in the
   * order asked for when that is the index order, otherwise every match (sorted by the merge).
   */
  private async scan<E extends StoredEntity>(
    partition: Partition,
    schema: QuerySchema,
    source: Source,
    rest: Criterion[],
    plan: QueryPlan,
    inIndexOrder: boolean,
    wanted: number,
  ): Promise<E[]> {
    const scored = await this.orderedIds(partition, schema.kind, source);
    const ids = (inIndexOrder && plan.descending ? scored.reverse() : scored).map((s) => s.id);
    const found: E[] = [];
    for (let i = 0; i < ids.length && !(inIndexOrder && found.length >= wanted); i += LOAD_BATCH) {
      const batch = await this.store.getMany<E>(schema.kind, ids.slice(i, i + LOAD_BATCH));
      for (const entity of batch)
        if (rest.every((c) => matches(valueOf(entity, c.field, c.type, schema.stateCodes), c))) found.push(entity);
    }
    return found;
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
    const sizes = await Promise.all(lookups.map(({ indexes }) => this.index.size(kind, indexes)));
    return lookups[sizes.indexOf(Math.min(...sizes))];
  }

  /** Every id of one partition's source, in ascending order of `orderedBy`, with its score. */
  private orderedIds(partition: Partition, kind: IndexedKind, source: Source): Promise<Scored[]> {
    const [first] = source.indexes;
    if (source.combine === 'one') return this.index.inRange(partition, kind, first, source.range ?? { min: '-inf', max: '+inf' });
    return this.index.combined(partition, kind, source.indexes, source.combine);
  }
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
