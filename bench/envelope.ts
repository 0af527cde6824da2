import { randomUUID } from 'node:crypto';

/**
 * A body of the shape and size the api emits for a new transfer with one callback address, for
 * the baselines (which have no api to build one); `at` is when it is sent.
 */
export function initiatedEnvelope(callbackUri: string) {
  return {
    id: randomUUID(),
    at: Date.now(),
    type: 'TransferProcessInitiated',
    payload: {
      transferProcessId: randomUUID(),
      assetId: 'asset-1',
      contractId: 'contract-1',
      type: 'CONSUMER',
      protocol: 'dataspace-protocol-http',
      callbackAddresses: [{ uri: callbackUri, events: ['transfer.process'], transactional: false }],
    },
  };
}
