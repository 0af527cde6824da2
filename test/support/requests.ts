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
