import { ReceivedCall } from './support/receiver';
import { apiClient, Stack, startStack, transferRequest } from './support/harness';

// What a receiver built on EDC's classes reads: each payload holds exactly the properties
// Jackson writes for EDC's event class (spi/control-plane-spi, at eb2231725e88), checked here
// field by field: ContractNegotiationEvent, ContractNegotiationFinalized, ContractOffer,
// ContractAgreement, Policy (and Permission, Action, AtomicConstraint, LiteralExpression),
// TransferProcessEvent, TransferProcessStarted with DataAddress, TransferProcessTerminated.

const EDC = 'https://w3id.org/edc/v0.0.1/ns/';
const ODRL = 'http://www.w3.org/ns/odrl/2/';

const contractRequest = (uri: string) => ({
  '@context': { '@vocab': EDC },
  '@type': 'ContractRequest',
  counterPartyAddress: 'http://provider.example/dsp',
  protocol: 'dataspace-protocol-http',
  policy: {
    '@context': 'http://www.w3.org/ns/odrl.jsonld',
    '@type': 'Offer',
    '@id': 'offer-7',
    assigner: { '@id': 'provider-7' },
    target: { '@id': 'asset-7' },
    permission: { action: 'use', constraint: { leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' } },
  },
  callbackAddresses: { uri, events: 'contract.negotiation' },
});

const sorted = (o: object) => Object.keys(o).sort();
const bySequence = (calls: ReceivedCall[]) =>
  [...calls].sort((a, b) => Number(a.headers['x-event-sequence']) - Number(b.headers['x-event-sequence']));

describe('event payloads are the Jackson form of EDC event classes', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(() => ({ COUNTERPARTY_MODE: 'manual', EDC_PARTICIPANT_ID: 'consumer-7' }));
  });
  afterAll(() => stack?.stop());
  const { post } = apiClient(() => stack.api);

  const eventsAt = async (path: string, count: number) => {
    await stack.receiver.waitFor((calls) => calls.filter((c) => c.path === path).length >= count);
    return bySequence(stack.receiver.callsTo(path)).map((c) => c.json);
  };

  const EXPECTED_OFFER_POLICY = {
    permissions: [
      {
        edctype: 'dataspaceconnector:permission',
        action: { type: `${ODRL}use`, includedIn: null, constraint: null },
        constraints: [
          {
            edctype: 'AtomicConstraint',
            leftExpression: { edctype: 'dataspaceconnector:literalexpression', value: `${ODRL}purpose` },
            rightExpression: { edctype: 'dataspaceconnector:literalexpression', value: 'research' },
            operator: 'EQ',
          },
        ],
        duties: [],
      },
    ],
    prohibitions: [],
    obligations: [],
    profiles: [],
    extensibleProperties: {},
    inheritsFrom: null,
    assigner: 'provider-7',
    assignee: null,
    target: 'asset-7',
    '@type': { '@policytype': 'offer' },
  };

  it('negotiation events, the finalized agreement, and a transfer under it', async () => {
    const uri = `${stack.receiver.url}/negotiation`;
    const created = await post('/management/v3/contractnegotiations', contractRequest(uri)).expect(200);
    const id = created.body['@id'];
    for (const signal of ['requested', 'agreed', 'verified', 'finalized'])
      await post(`/signaling/v1/contractnegotiations/${id}/${signal}`).expect(200);
    const events = await eventsAt('/negotiation', 5);

    const offer = { id: 'offer-7', policy: EXPECTED_OFFER_POLICY, assetId: 'asset-7' };
    for (const event of events.slice(0, 4))
      expect(event.payload).toEqual({
        contractNegotiationId: id,
        counterPartyAddress: 'http://provider.example/dsp',
        counterPartyId: 'provider-7',
        callbackAddresses: [{ uri: stack.receiver.url, events: ['contract.negotiation'], transactional: false }],
        contractOffers: [offer],
        protocol: 'dataspace-protocol-http',
        lastContractOffer: offer,
      });

    const finalized = events[4];
    expect(finalized.type).toBe('ContractNegotiationFinalized');
    expect(sorted(finalized.payload)).toEqual(
      [
        'callbackAddresses',
        'contractAgreement',
        'contractNegotiationId',
        'contractOffers',
        'counterPartyAddress',
        'counterPartyId',
        'lastContractOffer',
        'protocol',
      ].sort(),
    );
    const agreement = finalized.payload.contractAgreement;
    expect(agreement).toEqual({
      id: expect.any(String),
      providerId: 'provider-7',
      consumerId: 'consumer-7',
      contractSigningDate: expect.any(Number),
      assetId: 'asset-7',
      policy: { ...EXPECTED_OFFER_POLICY, assignee: 'consumer-7', '@type': { '@policytype': 'contract' } },
    });
    expect(Number.isInteger(agreement.contractSigningDate)).toBe(true);
    expect(Math.abs(agreement.contractSigningDate - Date.now() / 1000)).toBeLessThan(120);

    // The agreement's `id` is what a receiver starts its transfer with.
    const transferUri = `${stack.receiver.url}/transfer`;
    const tp = await post(
      '/management/v3/transferprocesses',
      transferRequest({
        contractId: agreement.id,
        assetId: undefined,
        callbackAddresses: [{ uri: transferUri, events: ['transfer.process'] }],
      }),
    ).expect(200);
    const tpId = tp.body['@id'];
    await post(`/signaling/v1/transferprocesses/${tpId}/requested`).expect(200);
    await post(`/signaling/v1/transferprocesses/${tpId}/started`, {
      dataAddress: { type: 'HttpData', endpoint: 'http://provider.example/public', authorization: 'token-1', [`${EDC}authType`]: 'bearer' },
    }).expect(200);
    await post(`/management/v3/transferprocesses/${tpId}/terminate`, { reason: 'done with it' }).expect(204);
    const transferEvents = await eventsAt('/transfer', 4);
    expect(transferEvents.map((e) => e.type)).toEqual([
      'TransferProcessInitiated',
      'TransferProcessRequested',
      'TransferProcessStarted',
      'TransferProcessTerminated',
    ]);

    const base = {
      transferProcessId: tpId,
      callbackAddresses: [{ uri: stack.receiver.url, events: ['transfer.process'], transactional: false }],
      // From the agreement: the request named no asset.
      assetId: 'asset-7',
      type: 'CONSUMER',
      contractId: agreement.id,
      protocol: 'dataspace-protocol-http',
    };
    expect(transferEvents[0].payload).toEqual(base);
    expect(transferEvents[1].payload).toEqual(base);
    expect(transferEvents[2].payload).toEqual({
      ...base,
      dataAddress: {
        properties: {
          [`${EDC}type`]: 'HttpData',
          [`${EDC}endpoint`]: 'http://provider.example/public',
          [`${EDC}authorization`]: 'token-1',
          [`${EDC}authType`]: 'bearer',
        },
        type: 'HttpData',
        keyName: null,
      },
    });
    expect(transferEvents[3].payload).toEqual({ ...base, reason: 'done with it' });
  });

  it('a terminated negotiation carries its reason', async () => {
    const uri = `${stack.receiver.url}/terminated`;
    const created = await post('/management/v3/contractnegotiations', contractRequest(uri)).expect(200);
    await post(`/management/v3/contractnegotiations/${created.body['@id']}/terminate`, { reason: 'no longer needed' }).expect(204);
    const [, terminated] = await eventsAt('/terminated', 2);
    expect(terminated.type).toBe('ContractNegotiationTerminated');
    expect(terminated.payload.reason).toBe('no longer needed');
    expect(sorted(terminated.payload)).toEqual(
      [
        'callbackAddresses',
        'contractNegotiationId',
        'contractOffers',
        'counterPartyAddress',
        'counterPartyId',
        'lastContractOffer',
        'protocol',
        'reason',
      ].sort(),
    );
  });
});
