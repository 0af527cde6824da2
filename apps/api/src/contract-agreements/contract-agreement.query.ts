import { QueryPlan } from '../query/query-plan';
import { QuerySchema } from '../query/query-schema';
import { Criterion } from '../query/criteria';
import { NEGOTIATION_STATE_CODES } from '../contract-negotiations/contract-negotiation';
import { NEGOTIATION_QUERY } from '../contract-negotiations/contract-negotiation.query';

/**
 * What a QuerySpec of `/contractagreements/request` may name: EDC's `ContractAgreement` fields
 * and any path into its policy (`policy.assignee`, `policy.permissions.action.type`).
 */
export const AGREEMENT_QUERY: QuerySchema = {
  kind: 'contractnegotiation',
  stateCodes: {},
  fields: {
    id: 'string',
    assetId: 'string',
    providerId: 'string',
    consumerId: 'string',
    contractSigningDate: 'number',
  },
  openPaths: ['policy.'],
};

/**
 * An agreement lives in the FINALIZED negotiation that made it, so an agreement query runs over
 * those negotiations: `assetId` is the offer's asset (an equality index), `providerId` the
 * counterparty (an equality index), the others the agreement's own fields. The signing date is
 * the second of finalization and a finalized negotiation never moves again, so sorting by it is
 * sorting by the state-time index.
 */
const NEGOTIATION_FIELD_OF: Record<string, string> = {
  id: 'contractAgreement.id',
  assetId: 'offer.assetId',
  providerId: 'counterPartyId',
  consumerId: 'contractAgreement.consumerId',
  contractSigningDate: 'contractAgreement.contractSigningDate',
};

const SORT_FIELD_OF: Record<string, string> = { ...NEGOTIATION_FIELD_OF, contractSigningDate: 'stateTimestamp' };

export const AGREEMENT_NEGOTIATIONS: QuerySchema = {
  ...NEGOTIATION_QUERY,
  fields: { ...NEGOTIATION_QUERY.fields, 'offer.assetId': 'string' },
};

const FINALIZED: Criterion = { field: 'state', type: 'state', operator: '=', operand: NEGOTIATION_STATE_CODES.FINALIZED };

/** The negotiation query that answers an agreement query planned against `AGREEMENT_QUERY`. */
export function negotiationPlanOf(plan: QueryPlan): QueryPlan {
  const negotiationField = (field: string) => NEGOTIATION_FIELD_OF[field] ?? `contractAgreement.${field}`;
  return {
    ...plan,
    sortField: plan.sortField === 'createdAt' ? 'createdAt' : (SORT_FIELD_OF[plan.sortField] ?? negotiationField(plan.sortField)),
    criteria: [FINALIZED, ...plan.criteria.map((c) => ({ ...c, field: negotiationField(c.field) }))],
  };
}
