import { QuerySchema } from '../query/query-schema';
import { TRANSFER_STATE_CODES } from './transfer-process';

export const TRANSFER_QUERY: QuerySchema = {
  kind: 'transferprocess',
  stateCodes: TRANSFER_STATE_CODES,
  fields: {
    id: 'string',
    state: 'state',
    type: 'string',
    contractId: 'string',
    assetId: 'string',
    counterPartyAddress: 'string',
    protocol: 'string',
    transferType: 'string',
    errorDetail: 'string',
    createdAt: 'number',
    stateTimestamp: 'number',
  },
};
