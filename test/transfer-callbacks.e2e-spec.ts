import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ReceivedCall, Receiver } from './support/receiver';
import { API_KEY, EDC_RESPONSE_CONTEXT, Stack, startStack, transferRequest } from './support/harness';

const TRANSFER_EVENTS = ['TransferProcessInitiated', 'TransferProcessRequested', 'TransferProcessStarted', 'TransferProcessCompleted'];

const bySequence = (calls: ReceivedCall[]) =>
  [...calls].sort((a, b) => Number(a.headers['x-event-sequence']) - Number(b.headers['x-event-sequence']));

describe('a simulated transfer calls its callbacks back', () => {
  let stack: Stack;
  let api: INestApplication;
  let receiver: Receiver;

  beforeAll(async () => {
    stack = await startStack(() => ({ COUNTERPARTY_MODE: 'simulated' }));
    ({ api, receiver } = stack);
  });

  afterAll(() => stack?.stop());

  const createTransfer = (body: object) =>
    request(api.getHttpServer()).post('/management/v3/transferprocesses').set('x-api-key', API_KEY).send(body);

  // A PUSH transfer completes once the simulated provider has sent the data; a PULL one stays
  // STARTED until the consumer ends it (EDC's data plane does the same).
  const PUSH = { transferType: 'HttpData-PUSH', dataDestination: { type: 'HttpData', baseUrl: 'http://sink.example/data' } };

  it('delivers Initiated, Requested, Started and Completed of a PUSH transfer once each, with the EDC envelope and headers', async () => {
    const callback = { uri: `${receiver.url}/hooks/all`, events: ['transfer.process'], transactional: false };
    const created = await createTransfer(transferRequest({ ...PUSH, callbackAddresses: [callback] })).expect(200);
    expect(created.body).toEqual({
      '@context': EDC_RESPONSE_CONTEXT,
      '@type': 'IdResponse',
      '@id': expect.any(String),
      createdAt: expect.any(Number),
    });
    const id = created.body['@id'];

    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/hooks/all').length >= 4);
    // Let any duplicate arrive before counting.
    await new Promise((r) => setTimeout(r, 300));
    // Deliveries run in parallel: arrival order is not promised, x-event-sequence gives the order.
    const calls = bySequence(receiver.callsTo('/hooks/all'));
    expect(calls.map((c) => c.json.type)).toEqual(TRANSFER_EVENTS);

    for (const [i, call] of calls.entries()) {
      expect(call.method).toBe('POST');
      expect(call.headers['content-type']).toBe('application/json');
      expect(call.headers['webhook-id']).toBe(call.json.id);
      expect(Number(call.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -2);
      expect(call.headers['x-event-sequence']).toBe(String(i + 1));
      expect(Object.keys(call.json).sort()).toEqual(['at', 'id', 'payload', 'type']);
      expect(call.json.at).toEqual(expect.any(Number));
      expect(call.json.payload).toMatchObject({
        transferProcessId: id,
        contractId: 'contract-1',
        assetId: 'asset-1',
        type: 'CONSUMER',
        protocol: 'dataspace-protocol-http',
        // Shown by its origin only (docs/delivery.md); the transfer itself keeps the whole uri.
        callbackAddresses: [{ ...callback, uri: receiver.url }],
      });
    }
    expect(new Set(calls.map((c) => c.json.id)).size).toBe(4);
    expect(calls[2].json.payload.dataAddress).toMatchObject({ type: expect.any(String) });

    const state = await request(api.getHttpServer())
      .get(`/management/v3/transferprocesses/${id}/state`)
      .set('x-api-key', API_KEY)
      .expect(200);
    expect(state.body).toEqual({ '@context': EDC_RESPONSE_CONTEXT, '@type': 'TransferState', state: 'COMPLETED' });

    const tp = await request(api.getHttpServer()).get(`/management/v3/transferprocesses/${id}`).set('x-api-key', API_KEY).expect(200);
    expect(tp.body).toMatchObject({
      '@type': 'TransferProcess',
      '@id': id,
      state: 'COMPLETED',
      type: 'CONSUMER',
      contractId: 'contract-1',
      transferType: 'HttpData-PUSH',
      dataDestination: { '@type': 'DataAddress', type: 'HttpData', baseUrl: 'http://sink.example/data' },
      callbackAddresses: [{ '@type': 'CallbackAddress', ...callback }],
    });
  });

  it('leaves a PULL transfer STARTED until the consumer completes it', async () => {
    const callback = { uri: `${receiver.url}/hooks/pull`, events: ['transfer.process'] };
    const created = await createTransfer(transferRequest({ transferType: 'HttpData-PULL', callbackAddresses: [callback] })).expect(200);
    const id = created.body['@id'];
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/hooks/pull').length >= 3);
    // Many simulation steps (SIMULATION_STEP_MS is 20 in tests) later, it is still STARTED.
    await new Promise((r) => setTimeout(r, 500));
    expect(bySequence(receiver.callsTo('/hooks/pull')).map((c) => c.json.type)).toEqual(TRANSFER_EVENTS.slice(0, 3));
    const state = () =>
      request(api.getHttpServer()).get(`/management/v3/transferprocesses/${id}/state`).set('x-api-key', API_KEY).expect(200);
    expect((await state()).body.state).toBe('STARTED');
    await request(api.getHttpServer()).post(`/signaling/v1/transferprocesses/${id}/completed`).set('x-api-key', API_KEY).expect(200);
    expect((await state()).body.state).toBe('COMPLETED');
  });

  it('reads the single-URL shorthand callbackAddress as all transfer events to that URL', async () => {
    const created = await createTransfer(transferRequest({ ...PUSH, callbackAddress: `${receiver.url}/hooks/short` })).expect(200);
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/hooks/short').length >= 4);
    const calls = bySequence(receiver.callsTo('/hooks/short'));
    expect(calls.map((c) => c.json.type)).toEqual(TRANSFER_EVENTS);
    expect(calls.every((c) => c.json.payload.transferProcessId === created.body['@id'])).toBe(true);
    // The payload shows each callback address by its origin only (docs/delivery.md).
    expect(calls[0].json.payload.callbackAddresses).toEqual([{ uri: receiver.url, events: ['transfer.process'], transactional: false }]);
  });

  it('sends a callback only the events its filters match, by prefix', async () => {
    const uri = `${receiver.url}/hooks/started-only`;
    await createTransfer(
      transferRequest({
        callbackAddresses: [
          { uri, events: ['transfer.process.started'] },
          { uri: `${receiver.url}/hooks/none`, events: [] },
        ],
      }),
    ).expect(200);
    await receiver.waitFor((calls) => calls.some((c) => c.path === '/hooks/started-only'));
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.callsTo('/hooks/started-only').map((c) => c.json.type)).toEqual(['TransferProcessStarted']);
    expect(receiver.callsTo('/hooks/none')).toHaveLength(0);
  });
});
