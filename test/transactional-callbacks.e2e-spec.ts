import { apiClient, Stack, startStack, transferRequest, waitUntil } from './support/harness';
import { ReceivedCall, Responder } from './support/receiver';

const settle = () => new Promise((r) => setTimeout(r, 400));
const types = (calls: ReceivedCall[]) => calls.map((c) => c.json?.type);

describe('transactional callbacks are called before a change is committed', () => {
  let stack: Stack;
  let staticFails = false;

  beforeAll(async () => {
    const responder: Responder = (call) => {
      if (call.path === '/tx-fails') return { status: 500, body: 'no' };
      if (call.path === '/tx-refuses-requested') return call.json?.type === 'TransferProcessRequested' ? { status: 503 } : { status: 200 };
      if (call.path === '/static-tx') return staticFails ? { status: 500 } : { status: 200 };
      return { status: 200 };
    };
    stack = await startStack(
      (url) => ({
        COUNTERPARTY_MODE: 'manual',
        EVENT_MAX_BYTES: '2048',
        EDC_CALLBACK_TXGATE_URI: `${url}/static-tx`,
        EDC_CALLBACK_TXGATE_EVENTS: 'transfer.process.started',
        EDC_CALLBACK_TXGATE_TRANSACTIONAL: 'true',
      }),
      responder,
    );
  });

  afterAll(() => stack?.stop());

  const { get, post } = apiClient(() => stack.api);
  const cb = (path: string, transactional: boolean) => ({
    uri: `${stack.receiver.url}${path}`,
    events: ['transfer.process'],
    transactional,
  });

  it('refuses a create when a transactional callback fails: 409 with the reason, nothing stored, nothing emitted', async () => {
    const res = await post(
      '/management/v3/transferprocesses',
      transferRequest({ '@id': 'tx-refused', callbackAddresses: [cb('/tx-fails', true), cb('/observer-1', false)] }),
    ).expect(409);
    expect(res.body).toEqual([
      { message: expect.stringContaining('/tx-fails: HTTP 500'), type: 'ObjectConflict', path: null, invalidValue: null },
    ]);
    await get('/management/v3/transferprocesses/tx-refused').expect(404);
    await settle();
    expect(stack.receiver.callsTo('/tx-fails')).toHaveLength(1);
    expect(stack.receiver.callsTo('/observer-1')).toHaveLength(0);
  });

  it('calls a transactional callback once, before answering, and the dispatcher does not call it again', async () => {
    const res = await post(
      '/management/v3/transferprocesses',
      transferRequest({ callbackAddresses: [cb('/tx-ok', true), cb('/observer-2', false)] }),
    ).expect(200);
    const answeredAt = Date.now();
    const [txCall] = stack.receiver.callsTo('/tx-ok');
    expect(txCall.at).toBeLessThanOrEqual(answeredAt);
    expect(txCall.json).toMatchObject({ type: 'TransferProcessInitiated', payload: { transferProcessId: res.body['@id'] } });
    await stack.receiver.waitFor((calls) => calls.some((c) => c.path === '/observer-2'));
    await settle();
    expect(stack.receiver.callsTo('/tx-ok')).toHaveLength(1);
    // Both saw the same event.
    expect(stack.receiver.callsTo('/observer-2')[0].headers['webhook-id']).toBe(txCall.headers['webhook-id']);
  });

  it('refuses a signal the same way: 409, state unchanged, no event', async () => {
    const created = await post(
      '/management/v3/transferprocesses',
      transferRequest({ callbackAddresses: [cb('/tx-refuses-requested', true), cb('/observer-3', false)] }),
    ).expect(200);
    const id = created.body['@id'];
    await stack.receiver.waitFor((calls) => calls.some((c) => c.path === '/observer-3'));
    const res = await post(`/signaling/v1/transferprocesses/${id}/requested`).expect(409);
    expect(res.body[0].message).toContain('HTTP 503');
    expect((await get(`/management/v3/transferprocesses/${id}/state`)).body.state).toBe('INITIAL');
    await settle();
    expect(types(stack.receiver.callsTo('/observer-3'))).toEqual(['TransferProcessInitiated']);
  });

  it('applies static transactional callbacks (EDC_CALLBACK_<ID>_TRANSACTIONAL=true) to the events they match', async () => {
    const created = await post(
      '/management/v3/transferprocesses',
      transferRequest({ callbackAddresses: [cb('/observer-4', false)] }),
    ).expect(200);
    const id = created.body['@id'];
    await post(`/signaling/v1/transferprocesses/${id}/requested`).expect(200);
    staticFails = true;
    await post(`/signaling/v1/transferprocesses/${id}/started`).expect(409);
    staticFails = false;
    await post(`/signaling/v1/transferprocesses/${id}/started`).expect(200);
    await stack.receiver.waitFor((calls) => calls.filter((c) => c.path === '/observer-4').length >= 3);
    await settle();
    expect(types(stack.receiver.callsTo('/observer-4'))).toEqual([
      'TransferProcessInitiated',
      'TransferProcessRequested',
      'TransferProcessStarted',
    ]);
    // The refused attempt and the accepted one, each called once; the dispatcher adds none.
    expect(types(stack.receiver.callsTo('/static-tx'))).toEqual(['TransferProcessStarted', 'TransferProcessStarted']);
  });

  it('refuses at the source an event larger than EVENT_MAX_BYTES, with a clear 400', async () => {
    const negotiation = {
      counterPartyAddress: 'http://provider.example/dsp',
      protocol: 'dataspace-protocol-http',
      policy: {
        '@id': 'offer-big',
        '@type': 'odrl:Offer',
        assigner: 'p',
        target: 'a',
        permission: [{ action: 'use', constraint: { leftOperand: 'purpose', operator: 'eq', rightOperand: 'x'.repeat(3000) } }],
      },
    };
    const res = await post('/management/v3/contractnegotiations', negotiation).expect(400);
    expect(res.body).toEqual([
      { message: expect.stringContaining('above EVENT_MAX_BYTES (2048)'), type: 'ValidationFailure', path: null, invalidValue: null },
    ]);

    const created = await post('/management/v3/transferprocesses', transferRequest()).expect(200);
    const id = created.body['@id'];
    await post(`/signaling/v1/transferprocesses/${id}/requested`).expect(200);
    await post(`/signaling/v1/transferprocesses/${id}/started`, { dataAddress: { type: 'HttpData', blob: 'y'.repeat(3000) } }).expect(400);
    expect((await get(`/management/v3/transferprocesses/${id}/state`)).body.state).toBe('REQUESTED');
  });
});

describe('a simulated step refused by a transactional callback', () => {
  let stack: Stack;
  let refuse = true;

  beforeAll(async () => {
    stack = await startStack(
      () => ({ COUNTERPARTY_MODE: 'simulated', SIMULATION_STEP_MS: '20' }),
      (call) => (call.path === '/gate' && refuse && call.json?.type === 'TransferProcessRequested' ? { status: 500 } : { status: 200 }),
    );
  });

  afterAll(() => stack?.stop());

  it('is tried again later, and the transfer moves on once the callback accepts', async () => {
    const { get, post } = apiClient(() => stack.api);
    const res = await post(
      '/management/v3/transferprocesses',
      // PUSH: the simulated provider completes it (a PULL one would stay STARTED).
      transferRequest({
        transferType: 'HttpData-PUSH',
        callbackAddresses: [{ uri: `${stack.receiver.url}/gate`, events: ['transfer.process'], transactional: true }],
      }),
    ).expect(200);
    const id = res.body['@id'];
    await stack.receiver.waitFor((calls) => calls.filter((c) => c.json?.type === 'TransferProcessRequested').length >= 2, 10_000);
    expect((await get(`/management/v3/transferprocesses/${id}/state`)).body.state).toBe('INITIAL');
    refuse = false;
    await waitUntil(
      async () => (await get(`/management/v3/transferprocesses/${id}/state`)).body.state === 'COMPLETED',
      20_000,
      'COMPLETED',
    );
  });
});
