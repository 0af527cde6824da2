import { ContractNegotiation } from './contract-negotiation';

/** A contract negotiation as EDC's Management API v3 returns it. */
export function toContractNegotiationResponse(cn: ContractNegotiation) {
  return {
    '@type': 'ContractNegotiation',
    '@id': cn.id,
    type: cn.type,
    protocol: cn.protocol,
    state: cn.state,
    stateTimestamp: cn.stateTimestamp,
    counterPartyId: cn.counterPartyId,
    counterPartyAddress: cn.counterPartyAddress,
    contractAgreementId: cn.contractAgreementId,
    errorDetail: cn.errorDetail,
    createdAt: cn.createdAt,
    callbackAddresses: cn.callbackAddresses,
  };
}
