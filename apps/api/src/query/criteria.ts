import { BoundedCache } from '@app/platform/memory/bounded-cache';
import { QueryOperator } from './query-spec.dto';
import { FieldType } from './query-schema';

/** A validated criterion; for `state`, operands are codes, so that ranges compare by code. */
export interface Criterion {
  field: string;
  type: FieldType;
  operator: QueryOperator;
  operand: unknown;
}

/** The value of `field` on a stored object, comparable with a criterion's operand. */
export function valueOf(entity: Record<string, unknown>, field: string, type: FieldType, codes: Record<string, number>): unknown {
  const value = field.includes('.') ? valueAtPath(entity, field.split('.')) : entity[field];
  return type === 'state' && typeof value === 'string' ? codes[value] : value;
}

/**
 * The values a path reaches through lists (a policy's `permissions.action.type`): a criterion
 * matches when one of them does, as EDC's in-memory and SQL stores read such paths.
 */
export class AnyOf {
  constructor(readonly values: unknown[]) {}
}

function valueAtPath(at: unknown, path: string[]): unknown {
  if (path.length === 0) return at;
  if (Array.isArray(at) && !/^\d+$/.test(path[0])) {
    const values = at.flatMap((element) => {
      const value = valueAtPath(element, path);
      return value instanceof AnyOf ? value.values : value === undefined ? [] : [value];
    });
    return new AnyOf(values);
  }
  if (at === null || typeof at !== 'object' || !Object.prototype.hasOwnProperty.call(at, path[0])) return undefined;
  return valueAtPath((at as Record<string, unknown>)[path[0]], path.slice(1));
}

export function matches(value: unknown, criterion: Criterion): boolean {
  if (!(value instanceof AnyOf)) return matchesOne(value, criterion);
  // `!=` holds when no reached value is equal; every other operator when one value matches.
  return criterion.operator === '!='
    ? value.values.every((v) => matchesOne(v, criterion))
    : value.values.some((v) => matchesOne(v, criterion));
}

function matchesOne(value: unknown, { operator, operand }: Criterion): boolean {
  return OPERATORS[operator](value, operand);
}

/**
 * What each QuerySpec operator means. A `Record` over every operator, so an operator added to
 * QUERY_OPERATORS without its meaning here is a compile error rather than a silent `>=`.
 */
const OPERATORS: Record<QueryOperator, (value: unknown, operand: unknown) => boolean> = {
  '=': (value, operand) => same(value, operand),
  '!=': (value, operand) => !same(value, operand),
  in: (value, operand) => inSetOf(operand as unknown[]).has(value),
  like: (value, operand) => typeof value === 'string' && likeMatcherOf(operand as string, false)(value),
  ilike: (value, operand) => typeof value === 'string' && likeMatcherOf(operand as string, true)(value),
  contains: (value, operand) =>
    Array.isArray(value) ? value.some((v) => same(v, operand)) : typeof value === 'string' && value.includes(String(operand)),
  '<': (value, operand) => orderOf(value, operand) < 0,
  '<=': (value, operand) => orderOf(value, operand) <= 0,
  '>': (value, operand) => orderOf(value, operand) > 0,
  '>=': (value, operand) => orderOf(value, operand) >= 0,
};

/** Ascending order of two field values; absent values last. */
export function compareForSort(a: unknown, b: unknown): number {
  if (a instanceof AnyOf) return compareForSort(a.values[0], b);
  if (b instanceof AnyOf) return compareForSort(a, b.values[0]);
  if (a === b) return 0;
  if (a === undefined || a === null) return 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** An `in` list as the set `same` would match against, so each candidate costs one lookup however long the list. */
interface InSet {
  has(value: unknown): boolean;
}

// By the operand list itself: built once per criterion of a query, for all the objects it tests.
const inSets = new BoundedCache<unknown[], InSet>(64);

function inSetOf(operands: unknown[]): InSet {
  return inSets.get(operands, () => {
    const exact = new Set(operands);
    const numbers = new Set(operands.map(Number));
    const texts = new Set(operands.map(String));
    return {
      has: (value) =>
        typeof value === 'number' ? numbers.has(value) : typeof value === 'boolean' ? texts.has(String(value)) : exact.has(value),
    };
  });
}

function same(value: unknown, operand: unknown): boolean {
  if (typeof value === 'number') return value === Number(operand);
  if (typeof value === 'boolean') return String(value) === String(operand);
  return value === operand;
}

/** Negative, zero or positive as `value` sorts before, with or after `operand`; NaN (matching no range) when absent. */
function orderOf(value: unknown, operand: unknown): number {
  if (value === undefined || value === null) return NaN;
  return typeof value === 'number' ? value - Number(operand) : compareForSort(String(value), String(operand));
}

// A query tests one pattern against many objects: compile it once.
const compiled = new BoundedCache<string, (value: string) => boolean>(256);

function likeMatcherOf(pattern: string, ignoreCase: boolean): (value: string) => boolean {
  return compiled.get(`${ignoreCase ? 'i' : 'c'}${pattern}`, () => likeMatcher(pattern, ignoreCase));
}

/**
 * SQL LIKE (`%` any run, `_` one character, everything else literal; the whole value must
 * match) without a regex: a backtracking regex of `%%%…%Q` hangs the process. The pattern is
 * cut at `%` into segments; the first must match at the start, the last at the end, and each
 * one between at its leftmost place after the previous (leftmost is always safe, since `%`
 * absorbs whatever lies between). No position is ever revisited by a backtrack, so the work
 * is at most value length × segment length.
 */
export function likeMatcher(pattern: string, ignoreCase: boolean): (value: string) => boolean {
  const fold = (s: string) => (ignoreCase ? s.toLowerCase() : s);
  const segments = fold(pattern)
    .split('%')
    .map((segment) => Array.from(segment));
  const first = segments[0];
  const last = segments[segments.length - 1];
  const middle = segments.slice(1, -1).filter((segment) => segment.length > 0);
  return (raw) => {
    const value = Array.from(fold(raw));
    if (segments.length === 1) return value.length === first.length && matchesAt(value, 0, first);
    if (value.length < first.length + last.length) return false;
    if (!matchesAt(value, 0, first) || !matchesAt(value, value.length - last.length, last)) return false;
    let from = first.length;
    const end = value.length - last.length;
    for (const segment of middle) {
      const at = indexOf(value, segment, from, end);
      if (at < 0) return false;
      from = at + segment.length;
    }
    return true;
  };
}

function matchesAt(value: string[], at: number, segment: string[]): boolean {
  for (let i = 0; i < segment.length; i++) if (segment[i] !== '_' && segment[i] !== value[at + i]) return false;
  return true;
}

// The leftmost place in value[from, end) where the whole segment fits and matches.
function indexOf(value: string[], segment: string[], from: number, end: number): number {
  for (let at = from; at + segment.length <= end; at++) if (matchesAt(value, at, segment)) return at;
  return -1;
}
