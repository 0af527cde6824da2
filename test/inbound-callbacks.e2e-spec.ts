import request from 'supertest';
import { apiClient, Stack, startStack, transferRequest, waitUntil } from './support/harness';

const BASE = 'https://callbacks.example.test';

describe('inbound callback URLs', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack((url) => ({
      COUNTERPARTY_MODE: 'manual',
      PUBLIC_BASE_URL: BASE,
      API_BODY_LIMIT: '8kb',
      EDC_CALLBACK_AUDIT_URI: `${url}/static/audit`,
      EDC_CALLBACK_AUDIT_EVENTS: 'callback.received',
    }));
  });

  afterAll(() => stack?.stop());

  const { get, post } = apiClient(() => stack.api);
  const call = () => request(stack.api.getHttpServer());
  const create = async (body: object) =>
    (await post('/management/v1/callbacks', body).expect(201)).body as { id: string; state: string; callbackUrl: string };
  const pathOf = (url: string) => url.slice(BASE.length);
  const notFoundBody = async (path: string) => (await call().get(path).expect(404)).body;

  it('answers as configured, captures the call exactly, and forwards it as a CallbackReceived event', async () => {
    const cb = await create({
      responseType: 'response',
      responseCode: 202,
      responseBody: '{"ok":true}',
      responseHeaders: { 'Content-Type': 'application/json', 'X-Custom': 'yes' },
      callbackAddresses: [{ uri: `${stack.receiver.url}/events`, events: ['callback.received'] }],
    });
    expect(cb).toEqual({ id: expect.any(String), state: expect.stringMatching(/^[0-9a-f-]{36}$/), callbackUrl: `${BASE}/cb/${cb.state}` });

    const res = await call()
      .post(`${pathOf(cb.callbackUrl)}?id=5&status=ok&tag=a&tag=b`)
      .set('x-partner', 'acme')
      .set('authorization', 'Bearer partner-secret')
      .send({ payment: 'paid', amount: 12.5 })
      .expect(202);
    expect(res.text).toBe('{"ok":true}');
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-custom']).toBe('yes');

    const view = (await get(`/management/v1/callbacks/${cb.id}`).expect(200)).body;
    expect(view).toMatchObject({ id: cb.id, status: 'closed', callCount: 1 });
    const [captured] = view.calls;
    expect(captured).toMatchObject({
      method: 'POST',
      path: `/cb/${cb.state}`,
      query: { id: '5', status: 'ok', tag: ['a', 'b'] },
      body: '{"payment":"paid","amount":12.5}',
      bodyEncoding: 'utf8',
      contentType: 'application/json',
      outcome: 'accepted',
    });
    expect(captured.headers['x-partner']).toBe('acme');
    expect(captured.headers.authorization).toBe('[redacted]');

    await stack.receiver.waitFor((calls) => calls.some((c) => c.path === '/events') && calls.some((c) => c.path === '/static/audit'));
    const [event] = stack.receiver.callsTo('/events');
    expect(event.json).toMatchObject({
      type: 'CallbackReceived',
      payload: { callbackId: cb.id, state: cb.state, method: 'POST', query: { id: '5' }, body: '{"payment":"paid","amount":12.5}' },
    });
    expect(event.json.payload.headers.authorization).toBe('[redacted]');
    // The forward addresses show their origin only, as in negotiation and transfer payloads.
    expect(event.json.payload.callbackAddresses).toEqual([
      { uri: stack.receiver.url, events: ['callback.received'], transactional: false },
    ]);
    expect(event.headers['x-event-sequence']).toBe('1');
    expect(stack.receiver.callsTo('/static/audit')[0].headers['webhook-id']).toBe(event.headers['webhook-id']);
  });

  it('redirects a browser with 302 to the configured URL', async () => {
    const cb = await create({ responseType: 'redirect', responseRedirectUrl: 'https://shop.example/thank-you' });
    const res = await call()
      .get(pathOf(cb.callbackUrl))
      .set('accept', 'text/html,application/xhtml+xml')
      .set('user-agent', 'Mozilla/5.0')
      .expect(302);
    expect(res.headers.location).toBe('https://shop.example/thank-you');
  });

  it('serves the query-parameter form for OAuth/SAML-style callers; anything else is 404', async () => {
    const cb = await create({ stateQueryParameter: 'state' });
    expect(cb.callbackUrl).toBe(`${BASE}/cbq/state?state=${cb.state}`);
    await call().get(`/cbq/other?other=${cb.state}`).expect(404);
    await call().get('/cbq/state').expect(404);
    await call()
      .get(`/cbq/state?state=${cb.state.replace(/.$/, '0')}x`)
      .expect(404);
    await call().get(`/cb/${cb.state}`).expect(404);
    await call().get(`/cbq/state/?state=${cb.state}&code=abc`).expect(200);
    expect((await get(`/management/v1/callbacks/${cb.id}`)).body.calls[0].query).toEqual({ state: cb.state, code: 'abc' });
  });

  it('is single-use by default: of twenty concurrent calls exactly one gets 200', async () => {
    const cb = await create({});
    const answers = await Promise.all(Array.from({ length: 20 }, () => call().post(pathOf(cb.callbackUrl)).send({ n: 1 })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 404)).toHaveLength(19);
    await call().post(pathOf(cb.callbackUrl)).expect(404);
    expect((await get(`/management/v1/callbacks/${cb.id}`)).body).toMatchObject({ status: 'closed', callCount: 1 });
  });

  describe('bodySchema', () => {
    const schema = {
      type: 'object',
      required: ['status'],
      properties: { status: { enum: ['ok', 'failed'] } },
      additionalProperties: false,
    };

    it('answers 400 listing the problems; with retryableAfterError a valid call afterwards succeeds', async () => {
      const cb = await create({ bodySchema: schema, retryableAfterError: true });
      const bad = await call().post(pathOf(cb.callbackUrl)).send({ status: 'maybe', extra: 1 }).expect(400);
      expect(bad.body.map((e: { message: string }) => e.message)).toEqual(
        expect.arrayContaining([
          expect.stringContaining('/status must be equal to one of the allowed values'),
          expect.stringContaining('additional properties (extra)'),
        ]),
      );
      expect(bad.body[0].type).toBe('ValidationFailure');
      await call().post(pathOf(cb.callbackUrl)).send({ status: 'ok' }).expect(200);
      const view = (await get(`/management/v1/callbacks/${cb.id}`)).body;
      expect(view.calls.map((c: { outcome: string }) => c.outcome)).toEqual(['rejected', 'accepted']);
      expect(view.status).toBe('closed');
    });

    it('closes a single-use URL after a failed call when it is not retryable', async () => {
      const cb = await create({ bodySchema: schema });
      await call().post(pathOf(cb.callbackUrl)).send({ nope: true }).expect(400);
      await call().post(pathOf(cb.callbackUrl)).send({ status: 'ok' }).expect(404);
    });

    it('reads form bodies as objects and rejects a malformed JSON body', async () => {
      const cb = await create({ bodySchema: schema, retryableAfterError: true });
      await call().post(pathOf(cb.callbackUrl)).set('content-type', 'application/json').send('{"status": ').expect(400);
      await call().post(pathOf(cb.callbackUrl)).type('form').send('status=failed').expect(200);
    });
  });

  it('with allowMultipleCalls captures every call, of every method, until DELETE', async () => {
    const cb = await create({ allowMultipleCalls: true, responseCode: 204 });
    const path = pathOf(cb.callbackUrl);
    await call().get(`${path}?a=1`).expect(204);
    await call().post(path).set('content-type', 'application/xml').send('<done id="7"/>').expect(204);
    await call().put(path).set('content-type', 'text/plain').send('plain text').expect(204);
    await call().patch(path).send({ p: true }).expect(204);
    await call().delete(path).expect(204);
    const view = (await get(`/management/v1/callbacks/${cb.id}`)).body;
    expect(view).toMatchObject({ status: 'open', callCount: 5 });
    expect(view.calls.map((c: { method: string }) => c.method)).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
    expect(view.calls[1]).toMatchObject({ body: '<done id="7"/>', contentType: 'application/xml' });
    expect(view.calls[2].body).toBe('plain text');

    await apiDelete(`/management/v1/callbacks/${cb.id}`).expect(204);
    await call().get(path).expect(404);
    expect((await get(`/management/v1/callbacks/${cb.id}`)).body.status).toBe('closed');
  });

  it('answers 404 once expiresAt has passed', async () => {
    // Far enough ahead that a loaded machine still creates it before it expires (a past expiresAt is a 400).
    const cb = await create({ allowMultipleCalls: true, expiresAt: new Date(Date.now() + 3000).toISOString() });
    await call().get(pathOf(cb.callbackUrl)).expect(200);
    await waitUntil(async () => (await call().get(pathOf(cb.callbackUrl))).status === 404, 15_000, 'expiry');
    expect((await get(`/management/v1/callbacks/${cb.id}`)).body.status).toBe('expired');
  });

  it('answers unknown, malformed, closed and expired states alike, so states cannot be probed', async () => {
    const closed = await create({});
    await call().get(pathOf(closed.callbackUrl)).expect(200);
    const bodies = await Promise.all([
      notFoundBody('/cb/0b6f1f0e-4a53-4d2c-9a9f-1d2f3c4b5a69'),
      notFoundBody('/cb/not-a-uuid'),
      notFoundBody(pathOf(closed.callbackUrl)),
    ]);
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
  });

  it('refuses a body over the limit with 413, and leaves the URL open', async () => {
    const cb = await create({});
    await call().post(pathOf(cb.callbackUrl)).set('content-type', 'text/plain').send('x'.repeat(9000)).expect(413);
    await call().post(pathOf(cb.callbackUrl)).send({ small: true }).expect(200);
  });

  it('uses alternativeDomain as the base of the URL', async () => {
    const cb = await create({ alternativeDomain: 'https://pay.example.org' });
    expect(cb.callbackUrl).toBe(`https://pay.example.org/cb/${cb.state}`);
  });

  it('validates a create request, listing every problem', async () => {
    const res = await post('/management/v1/callbacks', {
      responseType: 'redirect',
      responseCode: 99,
      responseHeaders: { 'x-n': 5 },
      alternativeDomain: 'http://plain.example',
      bodySchema: { type: 'nonsense' },
      expiresAt: '2001-01-01T00:00:00Z',
      stateQueryParameter: 'bad param',
    }).expect(400);
    expect(res.body.map((e: { path: string }) => e.path).sort()).toEqual(
      [
        'alternativeDomain',
        'bodySchema',
        'expiresAt',
        'responseCode',
        'responseHeaders.x-n',
        'responseRedirectUrl',
        'stateQueryParameter',
      ].sort(),
    );
  });

  it('lists callbacks newest first, paged, and needs the API key', async () => {
    const a = await create({});
    const b = await create({});
    const page = (await get('/management/v1/callbacks?offset=0&limit=2').expect(200)).body;
    expect(page.map((c: { id: string }) => c.id)).toEqual([b.id, a.id]);
    expect(page[0].calls).toBeUndefined();
    await call().get('/management/v1/callbacks').expect(401);
    await get('/management/v1/callbacks?limit=0').expect(400);
  });

  it('moves a transfer on when its counterparty calls back (signalOnCall)', async () => {
    const tp = (await post('/management/v3/transferprocesses', transferRequest()).expect(200)).body['@id'];
    await post(`/signaling/v1/transferprocesses/${tp}/requested`).expect(200);
    const cb = await create({ signalOnCall: { transferProcessId: tp, signal: 'started' } });
    await call()
      .post(pathOf(cb.callbackUrl))
      .send({ dataAddress: { type: 'HttpData', endpoint: 'https://data.example/x' } })
      .expect(200);
    expect((await get(`/management/v3/transferprocesses/${tp}`)).body.state).toBe('STARTED');

    const bad = await post('/management/v1/callbacks', { signalOnCall: { transferProcessId: 'nope', signal: 'launched' } }).expect(400);
    expect(bad.body.map((e: { path: string }) => e.path).sort()).toEqual(['signalOnCall.signal', 'signalOnCall.transferProcessId']);
  });

  const apiDelete = (path: string) => call().delete(path).set('x-api-key', 'test-api-key');
});
