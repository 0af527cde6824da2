import { QuerySchema } from '../query/query-schema';
import { NEGOTIATION_STATE_CODES } from './contract-negotiation';

export const NEGOTIATION_QUERY: QuerySchema = {
  kind: 'contractnegotiation',
  stateCodes: NEGOTIATION_STATE_CODES,
  fields: {
    id: 'string',
    state: 'state',
    type: 'string',
    counterPartyAddress: 'string',
    counterPartyId: 'string',
    protocol: 'string',
    contractAgreementId: 'string',
    pending: 'boolean',
    // EDC's service tests filter negotiations by their agreement's fields.
    'contractAgreement.id': 'string',
    'contractAgreement.assetId': 'string',
    'contractAgreement.providerId': 'string',
    'contractAgreement.consumerId': 'string',
    'contractAgreement.contractSigningDate': 'number',
    errorDetail: 'string',
    createdAt: 'number',
    stateTimestamp: 'number',
  },
  // As EDC's stores read them: any path into the agreement's policy (`contractAgreement.policy.assignee`).
  openPaths: ['contractAgreement.policy.'],
};
