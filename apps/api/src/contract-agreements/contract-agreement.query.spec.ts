import { AnyOf, matches, valueOf } from '../query/criteria';
import { planQuery } from '../query/query-plan';
import { AGREEMENT_NEGOTIATIONS, AGREEMENT_QUERY, negotiationPlanOf } from './contract-agreement.query';

// An agreement query is a query of FINALIZED negotiations: its fields become the negotiation's,
// on the indexes where there are some, and policy paths reach through lists.

const negotiation = {
  state: 'FINALIZED',
  counterPartyId: 'provider-1',
  offer: { assetId: 'asset-1' },
  contractAgreement: {
    id: 'agreement-1',
    consumerId: 'consumer',
    contractSigningDate: 1_700_000_000,
    policy: {
      assignee: 'consumer',
      permissions: [{ action: { type: 'use' } }, { action: { type: 'read' }, constraints: [{ leftExpression: { value: 'purpose' } }] }],
    },
  },
};

const planOf = async (spec: object) => negotiationPlanOf(await planQuery(AGREEMENT_QUERY, spec));
const holds = async (spec: object) => {
  const plan = await planOf(spec);
  return plan.criteria.every((c) => matches(valueOf(negotiation, c.field, c.type, AGREEMENT_NEGOTIATIONS.stateCodes), c));
};

describe('agreement queries', () => {
  it('ask for FINALIZED negotiations, with assetId and providerId on the negotiation indexes', async () => {
    const plan = await planOf({
      filterExpression: [
        { operandLeft: 'assetId', operator: '=', operandRight: 'asset-1' },
        { operandLeft: 'edc:providerId', operator: '=', operandRight: 'provider-1' },
      ],
    });
    expect(plan.criteria.map((c) => c.field)).toEqual(['state', 'offer.assetId', 'counterPartyId']);
    expect(plan.criteria[0].operand).toBe(1200);
  });

  it('sort by the signing date on the state-time index', async () => {
    expect((await planOf({ sortField: 'contractSigningDate', sortOrder: 'DESC' })).sortField).toBe('stateTimestamp');
    expect((await planOf({ sortField: 'consumerId' })).sortField).toBe('contractAgreement.consumerId');
  });

  it.each([
    [{ operandLeft: 'policy.assignee', operator: '=', operandRight: 'consumer' }, true],
    [{ operandLeft: 'policy.permissions.action.type', operator: '=', operandRight: 'read' }, true],
    [{ operandLeft: 'policy.permissions.action.type', operator: '=', operandRight: 'write' }, false],
    [{ operandLeft: 'policy.permissions.action.type', operator: '!=', operandRight: 'use' }, false],
    [{ operandLeft: 'policy.permissions.constraints.leftExpression.value', operator: 'like', operandRight: 'pur%' }, true],
    [{ operandLeft: 'contractSigningDate', operator: '>=', operandRight: 1_700_000_000 }, true],
    [{ operandLeft: 'id', operator: 'in', operandRight: ['agreement-2'] }, false],
  ])('match %j: %s', async (criterion, expected) => {
    expect(await holds({ filterExpression: [criterion] })).toBe(expected);
  });

  it('refuse a field agreements do not have, naming it', async () => {
    await expect(
      planQuery(AGREEMENT_QUERY, { filterExpression: [{ operandLeft: 'colour', operator: '=', operandRight: 'x' }] }),
    ).rejects.toThrow(/colour/);
    await expect(planQuery(AGREEMENT_QUERY, { sortField: 'policy.' })).rejects.toThrow(/policy\./);
  });

  it('read a path through a list as every value it reaches', () => {
    expect(valueOf(negotiation, 'contractAgreement.policy.permissions.action.type', 'string', {})).toEqual(new AnyOf(['use', 'read']));
  });
});
