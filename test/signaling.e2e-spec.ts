import request from 'supertest';
import { ReceivedCall, Receiver } from './support/receiver';
import { REDIS } from '@app/platform';
import {
  agreementFixture,
  API_KEY,
  apiClient,
  EDC_RESPONSE_CONTEXT,
  seedAgreement,
  Stack,
  startStack,
  transferRequest,
} from './support/harness';

const EDC = 'https://w3id.org/edc/v0.0.1/ns/';

const offer = (extra: Record<string, unknown> = {}) => ({
  '@context': 'http://www.w3.org/ns/odrl.jsonld',
  '@type': 'odrl:Offer',
  '@id': 'offer-1',
  assigner: 'provider-1',
  target: 'asset-1',
  ...extra,
});

const contractRequest = (extra: Record<string, unknown> = {}) => ({
  '@context': { '@vocab': EDC },
  '@type': 'ContractRequest',
  counterPartyAddress: 'http://provider.example/dsp',
  protocol: 'dataspace-protocol-http',
  policy: offer(),
  ...extra,
});

const sequenceOf = (call: ReceivedCall) => Number(call.headers['x-event-sequence']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('signaling and the create requests it starts from (manual mode)', () => {
  let stack: Stack;
  let receiver: Receiver;
  let endpoint = 0;

  beforeAll(async () => {
    stack = await startStack(() => ({ COUNTERPARTY_MODE: 'manual' }));
    ({ receiver } = stack);
  });

  afterAll(() => stack?.stop());

  const { get, post } = apiClient(() => stack.api);
  const http = () => request(stack.api.getHttpServer());

  const newCallback = (events: string[]) => {
    const path = `/signaling-${++endpoint}`;
    return { path, callback: { uri: `${receiver.url}${path}`, events } };
  };

  const createNegotiation = async (body: object): Promise<string> =>
    (await post('/management/v3/contractnegotiations', body).expect(200)).body['@id'];
  const createTransfer = async (body: object): Promise<string> =>
    (await post('/management/v3/transferprocesses', body).expect(200)).body['@id'];

  const negotiationState = async (id: string) => (await get(`/management/v3/contractnegotiations/${id}/state`).expect(200)).body;
  const transferState = async (id: string) => (await get(`/management/v3/transferprocesses/${id}/state`).expect(200)).body;

  const negotiationCount = async () =>
    (await post('/management/v3/contractnegotiations/request', { limit: 10_000 }).expect(200)).body.length;

  describe('the API key', () => {
    let negotiationId: string;
    let transferId: string;
    let negotiationHook: ReturnType<typeof newCallback>;
    let transferHook: ReturnType<typeof newCallback>;

    beforeAll(async () => {
      negotiationHook = newCallback(['contract.negotiation']);
      transferHook = newCallback(['transfer.process']);
      negotiationId = await createNegotiation(contractRequest({ callbackAddresses: [negotiationHook.callback] }));
      transferId = await createTransfer(transferRequest({ callbackAddresses: [transferHook.callback] }));
    });

    it.each([
      ['no key', undefined],
      ['a wrong key', 'not-the-key'],
    ])('is required: a negotiation signal with %s answers 401 AuthenticationFailed', async (_title, key) => {
      const req = http().post(`/signaling/v1/contractnegotiations/${negotiationId}/requested`);
      const res = await (key === undefined ? req : req.set('x-api-key', key)).send({}).expect(401);
      expect(res.body).toEqual([{ message: expect.any(String), type: 'AuthenticationFailed', path: null, invalidValue: null }]);
    });

    it.each([
      ['no key', undefined],
      ['a wrong key', 'not-the-key'],
    ])('is required: a transfer signal with %s answers 401 AuthenticationFailed', async (_title, key) => {
      const req = http().post(`/signaling/v1/transferprocesses/${transferId}/requested`);
      const res = await (key === undefined ? req : req.set('x-api-key', key)).send({}).expect(401);
      expect(res.body).toEqual([{ message: expect.any(String), type: 'AuthenticationFailed', path: null, invalidValue: null }]);
    });

    it('is checked before the route: an unknown signaling path answers 401 without it', async () => {
      const res = await http().post('/signaling/v1/nothing-here').send({}).expect(401);
      expect(res.body).toEqual([expect.objectContaining({ type: 'AuthenticationFailed' })]);
    });

    it('a refused signal moved nothing and emitted nothing', async () => {
      await receiver.waitFor(
        (calls) => calls.some((c) => c.path === negotiationHook.path) && calls.some((c) => c.path === transferHook.path),
      );
      await sleep(300);
      expect(await negotiationState(negotiationId)).toEqual({
        '@context': EDC_RESPONSE_CONTEXT,
        '@type': 'NegotiationState',
        state: 'INITIAL',
      });
      expect(await transferState(transferId)).toEqual({ '@context': EDC_RESPONSE_CONTEXT, '@type': 'TransferState', state: 'INITIAL' });
      expect(receiver.callsTo(negotiationHook.path).map((c) => c.json.type)).toEqual(['ContractNegotiationInitiated']);
      expect(receiver.callsTo(transferHook.path).map((c) => c.json.type)).toEqual(['TransferProcessInitiated']);
    });
  });

  it('leaves a new negotiation and a new transfer INITIAL, with exactly their Initiated event', async () => {
    const negotiationHook = newCallback(['contract.negotiation']);
    const transferHook = newCallback(['transfer.process']);
    const negotiationId = await createNegotiation(contractRequest({ callbackAddresses: [negotiationHook.callback] }));
    const transferId = await createTransfer(transferRequest({ callbackAddresses: [transferHook.callback] }));

    await receiver.waitFor(
      (calls) => calls.some((c) => c.path === negotiationHook.path) && calls.some((c) => c.path === transferHook.path),
    );
    await sleep(300);
    expect(await negotiationState(negotiationId)).toEqual({
      '@context': EDC_RESPONSE_CONTEXT,
      '@type': 'NegotiationState',
      state: 'INITIAL',
    });
    expect(await transferState(transferId)).toEqual({ '@context': EDC_RESPONSE_CONTEXT, '@type': 'TransferState', state: 'INITIAL' });

    const [negotiationEvent, ...moreNegotiationEvents] = receiver.callsTo(negotiationHook.path);
    expect(moreNegotiationEvents).toEqual([]);
    expect(negotiationEvent.json).toMatchObject({
      type: 'ContractNegotiationInitiated',
      payload: { contractNegotiationId: negotiationId },
    });
    expect(sequenceOf(negotiationEvent)).toBe(1);

    const [transferEvent, ...moreTransferEvents] = receiver.callsTo(transferHook.path);
    expect(moreTransferEvents).toEqual([]);
    expect(transferEvent.json).toMatchObject({ type: 'TransferProcessInitiated', payload: { transferProcessId: transferId } });
    expect(sequenceOf(transferEvent)).toBe(1);
  });

  it('accepts a started signal without a body', async () => {
    const { path, callback } = newCallback(['transfer.process']);
    const id = await createTransfer(transferRequest({ callbackAddresses: [callback] }));
    await post(`/signaling/v1/transferprocesses/${id}/requested`).expect(200);
    const res = await http().post(`/signaling/v1/transferprocesses/${id}/started`).set('x-api-key', API_KEY).expect(200);
    expect(res.body).toEqual({ '@type': 'TransferState', state: 'STARTED' });
    expect(await transferState(id)).toEqual({ '@context': EDC_RESPONSE_CONTEXT, '@type': 'TransferState', state: 'STARTED' });
    await receiver.waitFor((calls) => calls.filter((c) => c.path === path).length >= 3);
    await sleep(300);
    const types = [...receiver.callsTo(path)].sort((a, b) => sequenceOf(a) - sequenceOf(b)).map((c) => c.json.type);
    expect(types).toEqual(['TransferProcessInitiated', 'TransferProcessRequested', 'TransferProcessStarted']);
  });

  it.each([
    ['a reason that is not a string', 'terminated', { reason: 5 }, 'reason'],
    ['a dataAddress that is not an object', 'started', { dataAddress: 'http://x' }, 'dataAddress'],
  ])('refuses a transfer signal with %s (400 ValidationFailure) and moves nothing', async (_title, signal, body, path) => {
    const id = await createTransfer(transferRequest());
    await post(`/signaling/v1/transferprocesses/${id}/requested`).expect(200);
    const res = await post(`/signaling/v1/transferprocesses/${id}/${signal}`, body).expect(400);
    expect(res.body).toEqual([expect.objectContaining({ type: 'ValidationFailure', path })]);
    expect(await transferState(id)).toEqual({ '@context': EDC_RESPONSE_CONTEXT, '@type': 'TransferState', state: 'REQUESTED' });
  });

  describe('JSON-LD keys', () => {
    it('reads a negotiation whose keys carry the edc: prefix like one with plain keys', async () => {
      const { path, callback } = newCallback(['contract.negotiation']);
      const id = await createNegotiation({
        '@context': { edc: EDC, odrl: 'http://www.w3.org/ns/odrl/2/' },
        '@type': 'edc:ContractRequest',
        'edc:counterPartyAddress': 'http://prefixed.example/dsp',
        'edc:protocol': 'dataspace-protocol-http',
        'edc:policy': offer({ '@id': 'offer-prefixed', assigner: 'provider-prefixed', target: 'asset-prefixed' }),
        'edc:callbackAddresses': [{ 'edc:uri': callback.uri, 'edc:events': callback.events }],
      });
      const cn = await get(`/management/v3/contractnegotiations/${id}`).expect(200);
      expect(cn.body).toMatchObject({
        '@id': id,
        state: 'INITIAL',
        counterPartyAddress: 'http://prefixed.example/dsp',
        counterPartyId: 'provider-prefixed',
        protocol: 'dataspace-protocol-http',
        callbackAddresses: [{ ...callback, transactional: false }],
      });
      expect(Object.keys(cn.body).filter((k) => k.startsWith('edc:') || k.startsWith(EDC))).toEqual([]);

      await receiver.waitFor((calls) => calls.some((c) => c.path === path));
      expect(receiver.callsTo(path)[0].json.payload).toMatchObject({
        contractNegotiationId: id,
        counterPartyAddress: 'http://prefixed.example/dsp',
        counterPartyId: 'provider-prefixed',
      });

      for (const signal of ['requested', 'agreed', 'verified', 'finalized'])
        await post(`/signaling/v1/contractnegotiations/${id}/${signal}`).expect(200);
      const agreement = await get(`/management/v3/contractnegotiations/${id}/agreement`).expect(200);
      expect(agreement.body).toMatchObject({ providerId: 'provider-prefixed', assetId: 'asset-prefixed' });
    });

    it('reads a transfer whose keys are full IRIs like one with plain keys', async () => {
      await seedAgreement(stack.api.get(REDIS), stack.config, agreementFixture({ id: 'contract-iri', assetId: 'asset-iri' }));
      const { path, callback } = newCallback(['transfer.process']);
      const id = await createTransfer({
        '@context': { '@vocab': EDC },
        '@type': `${EDC}TransferRequest`,
        [`${EDC}counterPartyAddress`]: 'http://iri.example/dsp',
        [`${EDC}protocol`]: 'dataspace-protocol-http',
        [`${EDC}contractId`]: 'contract-iri',
        [`${EDC}assetId`]: 'asset-iri',
        [`${EDC}transferType`]: 'HttpData-PULL',
        [`${EDC}dataDestination`]: { [`${EDC}type`]: 'HttpProxy' },
        [`${EDC}callbackAddresses`]: [{ [`${EDC}uri`]: callback.uri, [`${EDC}events`]: callback.events }],
      });
      const tp = await get(`/management/v3/transferprocesses/${id}`).expect(200);
      expect(tp.body).toMatchObject({
        '@id': id,
        state: 'INITIAL',
        counterPartyAddress: 'http://iri.example/dsp',
        protocol: 'dataspace-protocol-http',
        contractId: 'contract-iri',
        assetId: 'asset-iri',
        transferType: 'HttpData-PULL',
        dataDestination: { '@type': 'DataAddress', type: 'HttpProxy' },
        callbackAddresses: [{ '@type': 'CallbackAddress', ...callback, transactional: false }],
      });
      expect(Object.keys(tp.body).filter((k) => k.startsWith(EDC))).toEqual([]);

      await receiver.waitFor((calls) => calls.some((c) => c.path === path));
      expect(receiver.callsTo(path)[0].json.payload).toMatchObject({
        transferProcessId: id,
        contractId: 'contract-iri',
        assetId: 'asset-iri',
      });
    });
  });

  describe('negotiation validation', () => {
    const expectRefused = async (body: object, paths: string[]) => {
      const before = await negotiationCount();
      const res = await post('/management/v3/contractnegotiations', body).expect(400);
      expect(Array.isArray(res.body)).toBe(true);
      for (const error of res.body) {
        expect(Object.keys(error).sort()).toEqual(['invalidValue', 'message', 'path', 'type']);
        expect(error).toMatchObject({ message: expect.any(String), type: 'ValidationFailure', path: expect.any(String) });
      }
      expect(res.body.map((e: { path: string }) => e.path).sort()).toEqual([...paths].sort());
      expect(await negotiationCount()).toBe(before);
      return res.body as { path: string; message: string; invalidValue: unknown }[];
    };

    it('lists counterPartyAddress, protocol and policy for an empty body', async () => {
      const errors = await expectRefused({}, ['counterPartyAddress', 'protocol', 'policy']);
      for (const error of errors) expect(error.message).toContain(error.path);
    });

    it('lists policy.@id, policy.assigner and policy.target for an offer without them', async () => {
      const policy = { '@context': 'http://www.w3.org/ns/odrl.jsonld', '@type': 'odrl:Offer' };
      const errors = await expectRefused(contractRequest({ policy }), ['policy.@id', 'policy.assigner', 'policy.target']);
      for (const error of errors) expect(error.message).toContain(error.path);
    });

    it('refuses a callback to a private address the allow list does not name', async () => {
      const errors = await expectRefused(
        contractRequest({ callbackAddresses: [{ uri: 'http://10.0.0.1/x', events: ['contract.negotiation'] }] }),
        ['callbackAddresses[0].uri'],
      );
      expect(errors[0].invalidValue).toBe('http://10.0.0.1/x');
    });
  });
});
