import { MAX_QUERY_LIMIT } from './query-spec.dto';
import { NEGOTIATION_QUERY } from '../contract-negotiations/contract-negotiation.query';
import { DomainError } from '../domain/domain-errors';
import { EdcError, EdcException, edcExceptionOf } from '../http/edc-error';
import { TRANSFER_QUERY } from '../transfer-processes/transfer-process.query';
import { planQuery } from './query-plan';

/** The 400 a QuerySpec body gets, as EDC's error array; fails the test if the body is accepted. */
async function refusalOf(body: unknown, schema = TRANSFER_QUERY): Promise<{ status: number; errors: EdcError[] }> {
  try {
    await planQuery(schema, body);
  } catch (err) {
    // The body's own shape is refused as the HTTP layer refuses it; its rules by the domain.
    const answer = err instanceof DomainError ? edcExceptionOf(err) : (err as EdcException);
    expect(answer).toBeInstanceOf(EdcException);
    return { status: answer.getStatus(), errors: answer.errors };
  }
  throw new Error(`planQuery accepted ${JSON.stringify(body)}`);
}

const pathsOf = async (body: unknown, schema = TRANSFER_QUERY) => (await refusalOf(body, schema)).errors.map((e) => e.path);

describe('planQuery (EDC QuerySpec)', () => {
  describe('paging and sorting', () => {
    it('reads an empty body as the first 50 objects in creation order', async () => {
      expect(await planQuery(TRANSFER_QUERY, {})).toEqual({
        offset: 0,
        limit: 50,
        sortField: 'createdAt',
        descending: false,
        criteria: [],
      });
    });

    it('reads a missing body as an empty QuerySpec', async () => {
      expect(await planQuery(TRANSFER_QUERY, undefined)).toMatchObject({ offset: 0, limit: 50, criteria: [] });
    });

    it('takes offset, limit, sortField and sortOrder DESC as given', async () => {
      expect(await planQuery(TRANSFER_QUERY, { offset: 20, limit: 5, sortField: 'stateTimestamp', sortOrder: 'DESC' })).toEqual({
        offset: 20,
        limit: 5,
        sortField: 'stateTimestamp',
        descending: true,
        criteria: [],
      });
    });

    it('sorts ascending when sortOrder is ASC', async () => {
      expect((await planQuery(TRANSFER_QUERY, { sortField: 'assetId', sortOrder: 'ASC' })).descending).toBe(false);
    });

    it('accepts a limit of exactly the maximum and refuses one above it', async () => {
      expect((await planQuery(TRANSFER_QUERY, { limit: MAX_QUERY_LIMIT })).limit).toBe(MAX_QUERY_LIMIT);
      expect(await pathsOf({ limit: MAX_QUERY_LIMIT + 1 })).toEqual(['limit']);
    });

    it.each([
      ['a negative offset', { offset: -1 }, 'offset'],
      ['a fractional offset', { offset: 1.5 }, 'offset'],
      ['a limit of zero', { limit: 0 }, 'limit'],
      ['a limit given as a string', { limit: '10' }, 'limit'],
      ['a sortOrder other than ASC or DESC', { sortOrder: 'down' }, 'sortOrder'],
      ['an empty sortField', { sortField: '' }, 'sortField'],
      ['a sortField that is not a field of the kind', { sortField: 'nope' }, 'sortField'],
      // One criterion is a list of one (JSON-LD reads them alike): its own problems are named.
      ['a single criterion without an operator', { filterExpression: { operandLeft: 'state' } }, 'filterExpression[0].operator'],
    ])('refuses %s with a 400 naming that field', async (_what, body, path) => {
      const { status, errors } = await refusalOf(body);
      expect(status).toBe(400);
      expect(new Set(errors.map((e) => e.path))).toEqual(new Set([path]));
      expect(errors.every((e) => e.type === 'ValidationFailure')).toBe(true);
    });

    it('lists the fields of the kind when the sortField is unknown', async () => {
      const [error] = (await refusalOf({ sortField: 'nope' })).errors;
      expect(error).toEqual({
        message: `sortField "nope" is not one of ${Object.keys(TRANSFER_QUERY.fields).join(', ')}`,
        type: 'ValidationFailure',
        path: 'sortField',
        invalidValue: 'nope',
      });
    });

    it('refuses a body that is not a JSON object', async () => {
      for (const body of [[], 'state = STARTED', 42]) {
        const { status, errors } = await refusalOf(body);
        expect(status).toBe(400);
        expect(errors).toEqual([
          { message: 'The request body must be a JSON object', type: 'InvalidRequest', path: null, invalidValue: null },
        ]);
      }
    });
  });

  describe('field names', () => {
    it.each([['contractId'], ['edc:contractId'], ['https://w3id.org/edc/v0.0.1/ns/contractId']])(
      'reads operandLeft %s as the field contractId',
      async (operandLeft) => {
        const plan = await planQuery(TRANSFER_QUERY, { filterExpression: [{ operandLeft, operator: '=', operandRight: 'c-1' }] });
        expect(plan.criteria).toEqual([{ field: 'contractId', type: 'string', operator: '=', operand: 'c-1' }]);
      },
    );

    it('reads @id as the field id', async () => {
      const plan = await planQuery(TRANSFER_QUERY, { filterExpression: [{ operandLeft: '@id', operator: '=', operandRight: 'tp-1' }] });
      expect(plan.criteria).toEqual([{ field: 'id', type: 'string', operator: '=', operand: 'tp-1' }]);
    });

    it('reads a prefixed sortField as the plain field', async () => {
      expect((await planQuery(TRANSFER_QUERY, { sortField: 'edc:stateTimestamp' })).sortField).toBe('stateTimestamp');
    });

    it('refuses a field of another kind: assetId is a transfer field, counterPartyId a negotiation field', async () => {
      const assetId = { filterExpression: [{ operandLeft: 'assetId', operator: '=', operandRight: 'a' }] };
      const counterPartyId = { filterExpression: [{ operandLeft: 'counterPartyId', operator: '=', operandRight: 'p' }] };
      expect(await pathsOf(assetId, NEGOTIATION_QUERY)).toEqual(['filterExpression[0].operandLeft']);
      expect(await pathsOf(counterPartyId, TRANSFER_QUERY)).toEqual(['filterExpression[0].operandLeft']);
      await expect(planQuery(TRANSFER_QUERY, assetId)).resolves.toBeDefined();
      await expect(planQuery(NEGOTIATION_QUERY, counterPartyId)).resolves.toBeDefined();
    });

    it.each([['constructor'], ['toString'], ['hasOwnProperty']])('does not take the inherited name %s for a field', async (operandLeft) => {
      expect(await pathsOf({ filterExpression: [{ operandLeft, operator: '=', operandRight: 'x' }] })).toEqual([
        'filterExpression[0].operandLeft',
      ]);
      expect(await pathsOf({ sortField: operandLeft })).toEqual(['sortField']);
    });
  });

  describe('state', () => {
    it("turns a state name into EDC's code", async () => {
      const plan = await planQuery(TRANSFER_QUERY, {
        filterExpression: [{ operandLeft: 'state', operator: '=', operandRight: 'STARTED' }],
      });
      expect(plan.criteria).toEqual([{ field: 'state', type: 'state', operator: '=', operand: 600 }]);
    });

    it("takes EDC's code, as a number or a numeric string, for the same state", async () => {
      for (const operandRight of [600, '600']) {
        const plan = await planQuery(TRANSFER_QUERY, { filterExpression: [{ operandLeft: 'state', operator: '=', operandRight }] });
        expect(plan.criteria[0].operand).toBe(600);
      }
    });

    it('reads states against the machine of the kind queried', async () => {
      const body = { filterExpression: [{ operandLeft: 'state', operator: '=', operandRight: 'FINALIZED' }] };
      expect((await planQuery(NEGOTIATION_QUERY, body)).criteria[0].operand).toBe(1200);
      expect(await pathsOf(body, TRANSFER_QUERY)).toEqual(['filterExpression[0].operandRight']);
    });

    it('compares states by code, so "< COMPLETED" means every state before it', async () => {
      const plan = await planQuery(TRANSFER_QUERY, {
        filterExpression: [{ operandLeft: 'state', operator: '<', operandRight: 'COMPLETED' }],
      });
      expect(plan.criteria).toEqual([{ field: 'state', type: 'state', operator: '<', operand: 800 }]);
    });

    it('turns every name of an "in" list into its code', async () => {
      const plan = await planQuery(NEGOTIATION_QUERY, {
        filterExpression: [{ operandLeft: 'state', operator: 'in', operandRight: ['AGREED', 1200, 'TERMINATED'] }],
      });
      expect(plan.criteria[0].operand).toEqual([850, 1200, 1400]);
    });

    it.each([['STARTING_UP'], ['started'], [601], [['STARTED', 'NOPE']]])(
      'refuses %p as not a state name or code',
      async (operandRight) => {
        const operator = Array.isArray(operandRight) ? 'in' : '=';
        const [error] = (await refusalOf({ filterExpression: [{ operandLeft: 'state', operator, operandRight }] })).errors;
        expect(error).toMatchObject({
          path: 'filterExpression[0].operandRight',
          message: 'filterExpression[0].operandRight is not a state name or code',
        });
      },
    );
  });

  describe('operands', () => {
    it('turns numeric operands of a time field into numbers', async () => {
      const plan = await planQuery(TRANSFER_QUERY, {
        filterExpression: [
          { operandLeft: 'createdAt', operator: '>=', operandRight: '1700000000000' },
          { operandLeft: 'stateTimestamp', operator: 'in', operandRight: [1, '2'] },
        ],
      });
      expect(plan.criteria.map((c) => c.operand)).toEqual([1_700_000_000_000, [1, 2]]);
    });

    it.each([['soon'], [''], [true], [{ after: 1 }]])('refuses %p as the operand of a number field', async (operandRight) => {
      const [error] = (await refusalOf({ filterExpression: [{ operandLeft: 'createdAt', operator: '>', operandRight }] })).errors;
      expect(error).toMatchObject({
        path: 'filterExpression[0].operandRight',
        message: 'filterExpression[0].operandRight must be a number',
      });
    });

    it('requires an operandRight', async () => {
      const [error] = (await refusalOf({ filterExpression: [{ operandLeft: 'assetId', operator: '=' }] })).errors;
      expect(error).toEqual({
        message: 'filterExpression[0].operandRight is required',
        type: 'ValidationFailure',
        path: 'filterExpression[0].operandRight',
        invalidValue: null,
      });
    });

    it('takes one value for "in" as a list of one, as JSON-LD reads it', async () => {
      const plan = await planQuery(TRANSFER_QUERY, { filterExpression: [{ operandLeft: 'assetId', operator: 'in', operandRight: 'a' }] });
      expect(plan.criteria[0].operand).toEqual(['a']);
    });

    it.each([[[]]])('requires a non-empty array for "in", not %p', async (operandRight) => {
      const [error] = (await refusalOf({ filterExpression: [{ operandLeft: 'assetId', operator: 'in', operandRight }] })).errors;
      expect(error.message).toBe('filterExpression[0].operandRight must be a non-empty array for "in"');
    });

    it.each([['like'], ['ilike']])('requires a string pattern for "%s"', async (operator) => {
      const [error] = (await refusalOf({ filterExpression: [{ operandLeft: 'assetId', operator, operandRight: 5 }] })).errors;
      expect(error.message).toBe(`filterExpression[0].operandRight must be a string for "${operator}"`);
    });

    it('takes a like pattern of 1,024 characters and refuses a longer one', async () => {
      const criterion = (length: number) => ({
        filterExpression: [{ operandLeft: 'assetId', operator: 'like', operandRight: '%'.repeat(length) }],
      });
      await expect(planQuery(TRANSFER_QUERY, criterion(1024))).resolves.toBeDefined();
      const [error] = (await refusalOf(criterion(1025))).errors;
      expect(error.message).toBe('filterExpression[0].operandRight must be at most 1024 characters for "like"');
    });

    it.each([[{ a: 1 }], [['a', { b: 2 }]]])('refuses %p as the operand of a string field', async (operandRight) => {
      const operator = Array.isArray(operandRight) ? 'in' : '=';
      const [error] = (await refusalOf({ filterExpression: [{ operandLeft: 'assetId', operator, operandRight }] })).errors;
      expect(error.message).toBe('filterExpression[0].operandRight must be a string, number or boolean');
    });

    it('takes every operator EDC lists', async () => {
      const operators: [string, unknown][] = [
        ['=', 'a'],
        ['!=', 'a'],
        ['in', ['a', 'b']],
        ['like', 'a%'],
        ['ilike', 'A%'],
        ['contains', 'a'],
        ['<', 'a'],
        ['<=', 'a'],
        ['>', 'a'],
        ['>=', 'a'],
      ];
      const plan = await planQuery(TRANSFER_QUERY, {
        filterExpression: operators.map(([operator, operandRight]) => ({ operandLeft: 'assetId', operator, operandRight })),
      });
      expect(plan.criteria.map((c) => c.operator)).toEqual(operators.map(([operator]) => operator));
    });

    it('refuses an operator EDC does not list, naming the ones it does', async () => {
      const [error] = (await refusalOf({ filterExpression: [{ operandLeft: 'assetId', operator: '==', operandRight: 'a' }] })).errors;
      expect(error).toMatchObject({
        path: 'filterExpression[0].operator',
        message: 'filterExpression[0].operator must be one of = != in like ilike contains < <= > >=',
      });
    });

    it('requires an operandLeft', async () => {
      expect(await pathsOf({ filterExpression: [{ operator: '=', operandRight: 'a' }] })).toEqual(['filterExpression[0].operandLeft']);
    });
  });

  it('lists every problem of the body in one 400, each at its own path', async () => {
    const { status, errors } = await refusalOf({
      offset: -1,
      limit: 0,
      sortField: 'nope',
      filterExpression: [
        { operandLeft: 'state', operator: '=', operandRight: 'DONE' },
        { operandLeft: 'assetId', operator: '=', operandRight: 'fine' },
        { operandLeft: 'colour', operator: '=', operandRight: 'red' },
        { operandLeft: 'createdAt', operator: '<', operandRight: 'yesterday' },
      ],
    });
    expect(status).toBe(400);
    expect(errors.map((e) => e.path).sort()).toEqual(
      [
        'offset',
        'limit',
        'sortField',
        'filterExpression[0].operandRight',
        'filterExpression[2].operandLeft',
        'filterExpression[3].operandRight',
      ].sort(),
    );
    expect(errors.every((e) => e.type === 'ValidationFailure')).toBe(true);
  });
});
