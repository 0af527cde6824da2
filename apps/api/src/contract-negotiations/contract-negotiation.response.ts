import jsonld from 'jsonld';
import { callbackAddressResponse, withContext } from '../json-ld/edc-response';
import { servedContextLoader } from '../json-ld/context-documents';
import { EDC_CONTEXT } from '../json-ld/namespaces';
import { ContractAgreement } from '../contract-agreements/contract-agreement';
import { policyToJsonLd } from '../policies/policy-json-ld';
import { ContractNegotiation } from './contract-negotiation';

/** A contract negotiation as EDC's Management API v3 returns it (`JsonObjectFromContractNegotiationTransformer`), without `@context`. */
export function contractNegotiationBody(cn: ContractNegotiation) {
  return {
    '@type': 'ContractNegotiation',
    '@id': cn.id,
    type: cn.type,
    protocol: cn.protocol,
    state: cn.state,
    stateTimestamp: cn.stateTimestamp,
    counterPartyId: cn.counterPartyId,
    counterPartyAddress: cn.counterPartyAddress,
    callbackAddresses: cn.callbackAddresses.map(callbackAddressResponse),
    createdAt: cn.createdAt,
    assetId: cn.offer.assetId,
    ...(cn.contractAgreementId ? { contractAgreementId: cn.contractAgreementId } : {}),
    ...(cn.errorDetail ? { errorDetail: cn.errorDetail } : {}),
  };
}

export const toContractNegotiationResponse = (cn: ContractNegotiation) => withContext(contractNegotiationBody(cn));

/**
 * A contract agreement as EDC returns it: its policy is ODRL JSON-LD compacted with EDC's
 * context by the JSON-LD processor (`odrl:permission`, `"odrl:target": {"@id": ...}`), as EDC
 * compacts it.
 */
export async function toContractAgreementResponse(agreement: ContractAgreement) {
  const policy = await jsonld.compact(policyToJsonLd(agreement.policy, agreement.id) as jsonld.NodeObject, { ...EDC_CONTEXT }, {
    documentLoader: servedContextLoader,
  } as jsonld.Options.Compact);
  delete policy['@context'];
  return withContext({
    '@type': 'ContractAgreement',
    '@id': agreement.id,
    assetId: agreement.assetId,
    policy,
    contractSigningDate: agreement.contractSigningDate,
    consumerId: agreement.consumerId,
    providerId: agreement.providerId,
  });
}
