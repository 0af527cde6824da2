import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { QuerySpecDto } from '@app/events';
import { REDIS } from '@app/platform';
import { EdcError, EdcException } from '../http/edc-error';
import { compactKey } from '../http/json-ld';
import { StateStore } from '../state-store/state-store.service';
import { StoredEntity } from '../state-store/stored-entity';
import { compareForSort, Criterion, matches, valueOf } from './criteria';
import { isIndexed, QuerySchema, TIME_INDEXES } from './query-schema';

const LOAD_BATCH = 1000;

interface Plan {
  offset: number;
  limit: number;
  sortField: string;
  descending: boolean;
  criteria: Criterion[];
}

/** Where the candidate ids come from: one sorted set, or a union of several. */
interface Source {
  keys: string[];
  /** Criteria the source alone satisfies (no need to test them on the records). */
  covers: Criterion[];
  /** The field the source is ordered by. */
  orderedBy: string;
  range?: { min: number | string; max: number | string };
}

/**
 * EDC's QuerySpec over the stored objects, driven by the Redis indexes: an `=`/`in` on an
 * indexed field, or a range on a time field, narrows the candidates to that sorted set; when
 * the index alone answers the query (no other filter, sorted by its order) the page is cut in
 * Redis and only `limit` objects are read. Otherwise the candidates are read in batches,
 * filtered, sorted and cut here: a query no index serves reads every object of the kind.
 */
@Injectable()
export class QueryService {
  constructor(
    private readonly store: StateStore,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async query<E extends StoredEntity>(schema: QuerySchema, spec: QuerySpecDto = {}): Promise<E[]> {
    const plan = this.plan(schema, spec);
    const source = await this.chooseSource(schema, plan);
    const rest = plan.criteria.filter((c) => !source.covers.includes(c));

    if (rest.length === 0 && source.keys.length === 1 && source.orderedBy === plan.sortField) {
      const ids = await this.page(source, plan.offset, plan.limit, plan.descending);
      return this.store.getMany<E>(schema.kind, ids);
    }

    const ids = await this.allIds(source);
    const found: E[] = [];
    for (let i = 0; i < ids.length; i += LOAD_BATCH) {
      const batch = await this.store.getMany<E>(schema.kind, ids.slice(i, i + LOAD_BATCH));
      for (const entity of batch)
        if (rest.every((c) => matches(valueOf(entity, c.field, c.type, schema.stateCodes), c))) found.push(entity);
    }
    const sortType = schema.fields[plan.sortField];
    found.sort((a, b) => {
      const order = compareForSort(valueOf(a, plan.sortField, sortType, schema.stateCodes), valueOf(b, plan.sortField, sortType, schema.stateCodes));
      return (plan.descending ? -order : order) || a.createdAt - b.createdAt;
    });
    return found.slice(plan.offset, plan.offset + plan.limit);
  }

  /** Checks the spec against the schema, listing every problem at once. */
  private plan(schema: QuerySchema, spec: QuerySpecDto): Plan {
    const problems: Omit<EdcError, 'type'>[] = [];
    const sortField = spec.sortField === undefined ? 'createdAt' : fieldName(spec.sortField);
    if (!(sortField in schema.fields))
      problems.push({ message: `sortField "${spec.sortField}" is not one of ${Object.keys(schema.fields).join(', ')}`, path: 'sortField', invalidValue: spec.sortField });

    const criteria = (spec.filterExpression ?? []).flatMap((c, i): Criterion[] => {
      const field = fieldName(c.operandLeft);
      const type = schema.fields[field];
      const path = `filterExpression[${i}]`;
      if (!type) {
        problems.push({ message: `${path}.operandLeft "${c.operandLeft}" is not one of ${Object.keys(schema.fields).join(', ')}`, path: `${path}.operandLeft`, invalidValue: c.operandLeft });
        return [];
      }
      const problem = operandProblem(c.operator, c.operandRight);
      if (problem) {
        problems.push({ message: `${path}.operandRight ${problem}`, path: `${path}.operandRight`, invalidValue: c.operandRight ?? null });
        return [];
      }
      if (type !== 'state') return [{ field, type, operator: c.operator, operand: c.operandRight }];
      const operand = Array.isArray(c.operandRight) ? c.operandRight.map((o) => stateCode(schema, o)) : stateCode(schema, c.operandRight);
      if ([operand].flat().includes(undefined)) {
        problems.push({ message: `${path}.operandRight is not a state name or code`, path: `${path}.operandRight`, invalidValue: c.operandRight ?? null });
        return [];
      }
      return [{ field, type, operator: c.operator, operand }];
    });
    if (problems.length > 0) throw EdcException.validation(problems);
    return { offset: spec.offset ?? 0, limit: spec.limit ?? 50, sortField, descending: spec.sortOrder === 'DESC', criteria };
  }

  private async chooseSource(schema: QuerySchema, plan: Plan): Promise<Source> {
    const lookups = plan.criteria
      .filter((c) => (c.operator === '=' || c.operator === 'in') && isIndexed(schema, c.field))
      .map((c) => ({ criterion: c, keys: [c.operand].flat().map((v) => this.store.indexKey(schema.kind, c.field, indexValue(schema, c, v))) }));
    if (lookups.length > 0) {
      const pipeline = this.redis.pipeline();
      for (const { keys } of lookups) for (const key of keys) pipeline.zcard(key);
      const counts = ((await pipeline.exec()) ?? []).map(([, n]) => Number(n));
      let at = 0;
      const sized = lookups.map((l) => ({ ...l, size: l.keys.reduce((sum) => sum + counts[at++], 0) }));
      const best = sized.reduce((a, b) => (b.size < a.size ? b : a));
      return { keys: best.keys, covers: [best.criterion], orderedBy: 'createdAt' };
    }
    for (const field of TIME_INDEXES) {
      const ranges = plan.criteria.filter((c) => c.field === field && ['<', '<=', '>', '>=', '='].includes(c.operator));
      if (ranges.length === 0) continue;
      let min: number | string = '-inf';
      let max: number | string = '+inf';
      for (const c of ranges) {
        const v = Number(c.operand);
        if (c.operator === '>' || c.operator === '>=' || c.operator === '=') min = c.operator === '>' ? `(${v}` : v;
        if (c.operator === '<' || c.operator === '<=' || c.operator === '=') max = c.operator === '<' ? `(${v}` : v;
      }
      // With several bounds of one kind only the last is used for the range; all are re-checked.
      return { keys: [this.store.indexKey(schema.kind, field)], covers: ranges.length === 1 ? ranges : [], orderedBy: field, range: { min, max } };
    }
    const orderedBy = (TIME_INDEXES as readonly string[]).includes(plan.sortField) ? plan.sortField : 'createdAt';
    return { keys: [this.store.indexKey(schema.kind, orderedBy)], covers: [], orderedBy };
  }

  private page(source: Source, offset: number, limit: number, descending: boolean): Promise<string[]> {
    const [key] = source.keys;
    if (source.range) {
      const { min, max } = source.range;
      return descending
        ? this.redis.zrevrangebyscore(key, max, min, 'LIMIT', offset, limit)
        : this.redis.zrangebyscore(key, min, max, 'LIMIT', offset, limit);
    }
    return descending ? this.redis.zrevrange(key, offset, offset + limit - 1) : this.redis.zrange(key, offset, offset + limit - 1);
  }

  private async allIds(source: Source): Promise<string[]> {
    if (source.range) return this.redis.zrangebyscore(source.keys[0], source.range.min, source.range.max);
    const pipeline = this.redis.pipeline();
    for (const key of source.keys) pipeline.zrange(key, 0, -1);
    const lists = ((await pipeline.exec()) ?? []).map(([, ids]) => ids as string[]);
    return [...new Set(lists.flat())];
  }
}

/** `edc:state`, the full IRI and `@id` name the same fields as `state` and `id`. */
function fieldName(operand: string): string {
  const plain = compactKey(operand);
  return plain === '@id' ? 'id' : plain;
}

function operandProblem(operator: string, operand: unknown): string | null {
  if (operand === undefined) return 'is required';
  if (operator === 'in') return Array.isArray(operand) && operand.length > 0 ? null : 'must be a non-empty array for "in"';
  if (operator === 'like' || operator === 'ilike') return typeof operand === 'string' ? null : `must be a string for "${operator}"`;
  if (['<', '<=', '>', '>='].includes(operator))
    return typeof operand === 'number' || typeof operand === 'string' ? null : `must be a number or string for "${operator}"`;
  return operand !== null && typeof operand === 'object' ? 'must be a string, number or boolean' : null;
}

function stateCode(schema: QuerySchema, operand: unknown): number | undefined {
  if (typeof operand === 'string' && operand in schema.stateCodes) return schema.stateCodes[operand];
  const code = Number(operand);
  return Object.values(schema.stateCodes).includes(code) ? code : undefined;
}

/** Index keys hold the stored value as text; for `state` that is its name. */
function indexValue(schema: QuerySchema, criterion: Criterion, operand: unknown): string {
  if (criterion.type !== 'state') return String(operand);
  return Object.entries(schema.stateCodes).find(([, code]) => code === operand)![0];
}
