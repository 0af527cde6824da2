import { TransferProcess } from './transfer-process';

/** A transfer process as EDC's Management API v3 returns it. */
export function toTransferProcessResponse(tp: TransferProcess) {
  return {
    '@type': 'TransferProcess',
    '@id': tp.id,
    correlationId: tp.id,
    type: tp.type,
    state: tp.state,
    stateTimestamp: tp.stateTimestamp,
    counterPartyAddress: tp.counterPartyAddress,
    protocol: tp.protocol,
    assetId: tp.assetId,
    contractId: tp.contractId,
    transferType: tp.transferType,
    dataDestination: tp.dataDestination,
    privateProperties: tp.privateProperties ?? {},
    errorDetail: tp.errorDetail,
    createdAt: tp.createdAt,
    callbackAddresses: tp.callbackAddresses,
  };
}
