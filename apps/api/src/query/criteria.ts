import { QueryOperator } from '@app/events';
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
  const value = entity[field];
  return type === 'state' && typeof value === 'string' ? codes[value] : value;
}

export function matches(value: unknown, { operator, operand }: Criterion): boolean {
  switch (operator) {
    case '=':
      return same(value, operand);
    case '!=':
      return !same(value, operand);
    case 'in':
      return (operand as unknown[]).some((o) => same(value, o));
    case 'like':
    case 'ilike':
      return typeof value === 'string' && likePattern(String(operand), operator === 'ilike').test(value);
    case 'contains':
      if (Array.isArray(value)) return value.some((v) => same(v, operand));
      return typeof value === 'string' && value.includes(String(operand));
    default:
      return value !== undefined && value !== null && compareValues(value, operand, operator);
  }
}

/** Ascending order of two field values; absent values last. */
export function compareForSort(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function same(value: unknown, operand: unknown): boolean {
  if (typeof value === 'number') return value === Number(operand);
  if (typeof value === 'boolean') return String(value) === String(operand);
  return value === operand;
}

function compareValues(value: unknown, operand: unknown, operator: QueryOperator): boolean {
  const order = typeof value === 'number' ? value - Number(operand) : compareForSort(String(value), String(operand));
  switch (operator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    default:
      return order >= 0;
  }
}

/** SQL LIKE: `%` any run, `_` one character, everything else literal; the whole value must match. */
export function likePattern(pattern: string, ignoreCase: boolean): RegExp {
  const source = pattern
    .split('')
    .map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
}
