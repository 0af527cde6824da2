import { callbackAddressResponse, withContext } from '../json-ld/edc-response';
import { dataAddressResponse } from './data-address';
import { TransferProcess } from './transfer-process';

/** A transfer process as EDC's Management API v3 returns it (`JsonObjectFromTransferProcessTransformer`), compacted. */
export function toTransferProcessResponse(tp: TransferProcess) {
  return withContext({
    '@id': tp.id,
    '@type': 'TransferProcess',
    state: tp.state,
    stateTimestamp: tp.stateTimestamp,
    type: tp.type,
    callbackAddresses: tp.callbackAddresses.map(callbackAddressResponse),
    correlationId: tp.id,
    assetId: tp.assetId,
    contractId: tp.contractId,
    transferType: tp.transferType,
    counterPartyAddress: tp.counterPartyAddress,
    protocol: tp.protocol,
    ...(tp.errorDetail ? { errorDetail: tp.errorDetail } : {}),
    ...(tp.dataDestination ? { dataDestination: dataAddressResponse(tp.dataDestination) } : {}),
    privateProperties: tp.privateProperties ?? {},
    createdAt: tp.createdAt,
  });
}
