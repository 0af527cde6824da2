/** A valid EDC transfer request (JSON-LD compacted), with `extra` fields merged in. */
export const transferRequest = (extra: Record<string, unknown> = {}) => ({
  '@context': { '@vocab': 'https://w3id.org/edc/v0.0.1/ns/' },
  '@type': 'TransferRequest',
  counterPartyAddress: 'http://provider.example/api/dsp',
  protocol: 'dataspace-protocol-http',
  contractId: 'contract-1',
  assetId: 'asset-1',
  transferType: 'HttpData-PULL',
  dataDestination: { type: 'HttpProxy' },
  ...extra,
});

/** The `@context` EDC compacts every Management API response with. */
export const EDC_RESPONSE_CONTEXT = {
  '@vocab': 'https://w3id.org/edc/v0.0.1/ns/',
  edc: 'https://w3id.org/edc/v0.0.1/ns/',
  odrl: 'http://www.w3.org/ns/odrl/2/',
};
