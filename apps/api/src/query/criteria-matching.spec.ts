import { QUERY_OPERATORS, QueryOperator } from './query-spec.dto';
import { TRANSFER_STATE_CODES } from '../transfer-processes/transfer-process';
import { compareForSort, Criterion, matches, valueOf } from './criteria';

const criterion = (operator: QueryOperator, operand: unknown, type: Criterion['type'] = 'string'): Criterion => ({
  field: 'f',
  type,
  operator,
  operand,
});

// What a QuerySpec criterion selects, once planned (operands of number fields are numbers,
// states are codes): the filter the api applies to the candidates an index gave it.
describe('matches', () => {
  // Each operator's meaning is a Record entry (an operator left out does not compile); each
  // one is also run here, so a meaning missing at run time throws instead of reading as `>=`.
  it.each(QUERY_OPERATORS.map((operator) => [operator]))('knows what %s means', (operator) => {
    const operand = operator === 'in' ? ['b'] : 'b';
    expect(matches('b', criterion(operator, operand))).toBe(!['!=', '<', '>'].includes(operator));
  });

  it.each([
    ['a', '=', 'a', true],
    ['a', '=', 'A', false],
    ['a', '!=', 'b', true],
    ['a', '!=', 'a', false],
    ['b', 'in', ['a', 'b'], true],
    ['c', 'in', ['a', 'b'], false],
    ['asset-17', 'like', 'asset-1%', true],
    ['Asset-17', 'like', 'asset-1%', false],
    ['Asset-17', 'ilike', 'asset-1%', true],
    ['HttpData-PULL', 'contains', 'Data', true],
    ['HttpData-PULL', 'contains', 'data', false],
    ['b', '<', 'c', true],
    ['c', '<=', 'c', true],
    ['b', '>', 'c', false],
    ['c', '>=', 'c', true],
  ] as [unknown, QueryOperator, unknown, boolean][])('finds %p %s %p to be %p', (value, operator, operand, expected) => {
    expect(matches(value, criterion(operator, operand))).toBe(expected);
  });

  it('compares numbers as numbers, not as text', () => {
    expect(matches(10, criterion('>', 9, 'number'))).toBe(true);
    expect(matches(10, criterion('<', 9, 'number'))).toBe(false);
    expect(matches(1_700_000_000_000, criterion('>=', 1_700_000_000_000, 'number'))).toBe(true);
  });

  it('takes a numeric string operand as the number it spells for a number value', () => {
    expect(matches(42, criterion('=', '42'))).toBe(true);
    expect(matches(42, criterion('in', ['1', '42']))).toBe(true);
  });

  it('matches a boolean value by its spelling', () => {
    expect(matches(true, criterion('=', 'true'))).toBe(true);
    expect(matches(false, criterion('=', true))).toBe(false);
  });

  it('finds an element of an array value with "contains"', () => {
    expect(matches(['a', 'b'], criterion('contains', 'b'))).toBe(true);
    expect(matches(['a', 'b'], criterion('contains', 'c'))).toBe(false);
  });

  it('never matches an absent value with a range operator, like or contains', () => {
    for (const operator of ['<', '<=', '>', '>=', 'like', 'ilike', 'contains'] as QueryOperator[])
      for (const value of [undefined, null])
        expect(matches(value, criterion(operator, operator === 'like' || operator === 'ilike' ? '%' : 'a'))).toBe(false);
  });

  it('counts an absent value as different from every operand', () => {
    expect(matches(undefined, criterion('=', 'a'))).toBe(false);
    expect(matches(undefined, criterion('!=', 'a'))).toBe(true);
  });

  it('compares states by EDC code, so STARTED (600) is before COMPLETED (800) though "S" sorts after "C"', () => {
    const state = valueOf({ state: 'STARTED' }, 'state', 'state', TRANSFER_STATE_CODES);
    expect(state).toBe(600);
    expect(matches(state, criterion('<', TRANSFER_STATE_CODES.COMPLETED, 'state'))).toBe(true);
    expect(matches(state, criterion('in', [500, 600], 'state'))).toBe(true);
  });
});

describe('valueOf', () => {
  it('reads a field of a stored object as it is, except a state, which becomes its code', () => {
    const entity = { assetId: 'a-1', createdAt: 5, state: 'TERMINATED' };
    expect(valueOf(entity, 'assetId', 'string', TRANSFER_STATE_CODES)).toBe('a-1');
    expect(valueOf(entity, 'createdAt', 'number', TRANSFER_STATE_CODES)).toBe(5);
    expect(valueOf(entity, 'state', 'state', TRANSFER_STATE_CODES)).toBe(850);
    expect(valueOf(entity, 'errorDetail', 'string', TRANSFER_STATE_CODES)).toBeUndefined();
  });
});

describe('compareForSort', () => {
  it('orders numbers by value and text by code point', () => {
    expect([10, 9, 100].sort(compareForSort)).toEqual([9, 10, 100]);
    expect(['b', 'B', 'a'].sort(compareForSort)).toEqual(['B', 'a', 'b']);
  });

  it('puts objects without the field last', () => {
    const sorted = (values: unknown[]) =>
      values
        .map((v) => ({ v }))
        .sort((x, y) => compareForSort(x.v, y.v))
        .map((x) => x.v);
    expect(sorted(['b', undefined, 'a']).slice(0, 2)).toEqual(['a', 'b']);
    expect(sorted([null, 2, undefined, 1]).slice(0, 2)).toEqual([1, 2]);
  });
});
