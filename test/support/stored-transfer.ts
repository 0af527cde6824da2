import { randomUUID } from 'node:crypto';
import { newEntity } from '../../apps/api/src/lifecycle/entity-lifecycle';
import { TransferProcess } from '../../apps/api/src/transfer-processes/transfer-process';

/** A new transfer as the api stores it (state INITIAL, first event 1), for writing through StateStore. */
export function storedTransfer(overrides: Partial<TransferProcess> = {}): TransferProcess {
  return newEntity(randomUUID(), {
    counterPartyAddress: 'http://provider.example/api/dsp',
    protocol: 'dataspace-protocol-http',
    contractId: 'contract-1',
    assetId: 'asset-1',
    transferType: 'HttpData-PULL',
    dataDestination: { type: 'HttpProxy' },
    callbackAddresses: [],
    ...overrides,
  }) as TransferProcess;
}
