import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { apiClient, seedAgreement, Stack, startStack, transferRequest, agreementFixture } from './support/harness';
import { REDIS } from '@app/platform';
import { Responder } from './support/receiver';

// The seeds' examples, line by line (docs/seeds.md): Godspeed's query and header schemas and its
// refusal of unknown fields, Grexx's callback response handler, Metamug's ?callbackURL= and its
// redirect that carries the API's parameters, and every problem of a body in one 400.

const BASE = 'https://callbacks.example.test';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('the seeds, line by line', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(
      () => ({ COUNTERPARTY_MODE: 'manual', PUBLIC_BASE_URL: BASE, CALLBACK_SIGNING_SECRET: SECRET }),
      (call): ReturnType<Responder> => {
        // The response handler's side (Grexx): it decides the answer from the call it is given.
        if (call.path === '/handler/answer') {
          const { requestQuery, requestMethod } = call.json;
          return {
            status: 201,
            headers: { 'content-type': 'application/json', 'x-decided-by': 'handler' },
            body: JSON.stringify({ paid: requestQuery.status === 'ok', method: requestMethod }),
          };
        }
        if (call.path === '/handler/redirect') return { status: 303, headers: { location: 'https://shop.example/thanks' } };
        if (call.path === '/handler/late') return { status: 200, body: 'too late', delayMs: 2000 };
        if (call.path === '/handler/silent') return 'hang';
        return { status: 200, body: 'ok' };
      },
    );
  });

  afterAll(() => stack?.stop());

  const { get, post } = apiClient(() => stack.api);
  const call = () => request(stack.api.getHttpServer());
  const create = async (body: object) =>
    (await post('/management/v1/callbacks', body).expect(201)).body as { id: string; state: string; callbackUrl: string };
  const pathOf = (url: string) => url.slice(BASE.length);
  const callsOf = async (id: string) => (await get(`/management/v1/callbacks/${id}`).expect(200)).body;

  describe('dynamic callbacks (the CaaS seed): the callbackAddress of its example', () => {
    it("takes the example's body (callbackAddress, an HttpProxy dataDestination, managedResources) and notifies the URL of the transfer's events", async () => {
      const hook = `${stack.receiver.url}/caas/callback`;
      const created = await post('/management/v3/transferprocesses', {
        ...transferRequest(),
        callbackAddress: hook,
        dataDestination: { type: 'HttpProxy' },
        managedResources: true,
      }).expect(200);
      const tp = (await get(`/management/v3/transferprocesses/${created.body['@id']}`).expect(200)).body;
      expect(tp.callbackAddresses).toEqual([{ '@type': 'CallbackAddress', uri: hook, events: ['transfer.process'], transactional: false }]);
      await stack.receiver.waitFor((calls) => calls.some((c) => c.path === '/caas/callback'));
      expect(stack.receiver.callsTo('/caas/callback')[0]).toMatchObject({ method: 'POST', json: { type: 'TransferProcessInitiated' } });
    });
  });

  describe('Godspeed: the callback validates its query and headers as well as its body', () => {
    it('answers 400 listing the problems of body, query and headers together, and 200 to a call that satisfies all three', async () => {
      const cb = await create({
        allowMultipleCalls: true,
        bodySchema: { type: 'object', properties: { status: { type: 'string' }, data: { type: 'object' } }, required: ['status'] },
        querySchema: { type: 'object', properties: { orderId: { type: 'string', pattern: '^[0-9]+$' } }, required: ['orderId'] },
        headersSchema: { type: 'object', properties: { 'x-signature': { type: 'string', minLength: 8 } }, required: ['x-signature'] },
      });
      const refused = await call()
        .post(`${pathOf(cb.callbackUrl)}?orderId=abc`)
        .send({ data: {} })
        .expect(400);
      const messages = refused.body.map((e: { message: string }) => e.message);
      expect(messages).toEqual(
        expect.arrayContaining([
          expect.stringContaining("must have required property 'status'"),
          expect.stringContaining('query/orderId must match pattern'),
          expect.stringContaining("headers must have required property 'x-signature'"),
        ]),
      );

      await call()
        .post(`${pathOf(cb.callbackUrl)}?orderId=42`)
        .set('x-signature', 'sig-12345678')
        .send({ status: 'paid' })
        .expect(200);
      const view = await callsOf(cb.id);
      expect(view.calls.map((c: { outcome: string }) => c.outcome)).toEqual(['rejected', 'accepted']);
    });

    it('refuses a query or headers schema it cannot use (a remote $ref, a pattern RE2 cannot take) at creation, with every problem', async () => {
      const res = await post('/management/v1/callbacks', {
        querySchema: { $ref: 'https://schemas.example/query.json' },
        headersSchema: { type: 'object', properties: { a: { type: 'string', pattern: '(a)\\1' } } },
      }).expect(400);
      expect(res.body.map((e: { path: string }) => e.path).sort()).toEqual(['headersSchema', 'querySchema']);
    });

    it('answers 400 naming a field it does not know, with the other problems', async () => {
      const res = await post('/management/v1/callbacks', {
        responseCode: 99,
        bodySchemas: { type: 'object' },
        responseHandler: { uri: 'https://handler.example/x', timeout: 5 },
      }).expect(400);
      expect(res.body).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: 'bodySchemas', message: 'bodySchemas is not a field this service knows' }),
          expect.objectContaining({
            path: 'responseHandler.timeout',
            message: 'responseHandler.timeout is not a field this service knows',
          }),
          expect.objectContaining({ path: 'responseCode' }),
        ]),
      );
    });
  });

  describe('Grexx: the callback response handler decides the answer when the URL is called', () => {
    it("forwards the call, signed, to the handler, whose status, headers and body are the caller's answer; the call is recorded and forwarded", async () => {
      const cb = await create({
        responseHandler: { uri: `${stack.receiver.url}/handler/answer`, timeoutMs: 5000 },
        callbackAddresses: [{ uri: `${stack.receiver.url}/events/grexx`, events: ['callback.received'] }],
      });
      const res = await call()
        .get(`${pathOf(cb.callbackUrl)}?id=5&status=ok&from=afas`)
        .expect(201);
      expect(res.headers['x-decided-by']).toBe('handler');
      expect(res.body).toEqual({ paid: true, method: 'GET' });

      const [asked] = stack.receiver.callsTo('/handler/answer');
      // Grexx's handler case attributes: the call as it came, with the answer configured so far.
      expect(asked.json).toMatchObject({
        callbackId: cb.id,
        requestMethod: 'GET',
        requestQuery: { id: '5', status: 'ok', from: 'afas' },
        responseType: 'response',
        responseCode: 200,
      });
      // Signed like a delivery (Standard Webhooks).
      const verified = new Webhook(SECRET).verify(asked.body, {
        'webhook-id': String(asked.headers['webhook-id']),
        'webhook-timestamp': String(asked.headers['webhook-timestamp']),
        'webhook-signature': String(asked.headers['webhook-signature']),
      });
      expect(verified).toMatchObject({ callbackId: cb.id });

      await stack.receiver.waitFor((calls) => calls.some((c) => c.path === '/events/grexx'));
      expect(stack.receiver.callsTo('/events/grexx')[0].json).toMatchObject({ type: 'CallbackReceived', payload: { callbackId: cb.id } });
      expect(await callsOf(cb.id)).toMatchObject({ callCount: 1, status: 'closed' });
    });

    it("passes the handler's redirect on", async () => {
      const cb = await create({ responseHandler: { uri: `${stack.receiver.url}/handler/redirect` } });
      const res = await call().get(pathOf(cb.callbackUrl)).expect(303);
      expect(res.headers.location).toBe('https://shop.example/thanks');
    });

    it('gives the configured answer when the handler is late, and 502 when none is configured; the call is forwarded either way', async () => {
      const withFallback = await create({
        responseHandler: { uri: `${stack.receiver.url}/handler/late`, timeoutMs: 200 },
        responseCode: 202,
        responseBody: 'accepted, handled later',
        callbackAddresses: [{ uri: `${stack.receiver.url}/events/late`, events: ['callback.received'] }],
      });
      const fallback = await call().post(pathOf(withFallback.callbackUrl)).send({ a: 1 }).expect(202);
      expect(fallback.text).toBe('accepted, handled later');

      const without = await create({
        responseHandler: { uri: `${stack.receiver.url}/handler/silent`, timeoutMs: 1000 },
        callbackAddresses: [{ uri: `${stack.receiver.url}/events/late`, events: ['callback.received'] }],
      });
      const failed = await call().post(pathOf(without.callbackUrl)).send({ a: 2 }).expect(502);
      expect(failed.text).toBe('The response handler gave no answer');

      await stack.receiver.waitFor((calls) => calls.filter((c) => c.path === '/events/late').length >= 2);
      expect((await callsOf(withFallback.id)).callCount).toBe(1);
      expect((await callsOf(without.id)).callCount).toBe(1);
    });

    it("refuses a handler at a private literal address, with the body's other problems", async () => {
      const res = await post('/management/v1/callbacks', {
        responseType: 'teleport',
        responseHandler: { uri: 'http://169.254.169.254/latest/meta-data', timeoutMs: 50 },
      }).expect(400);
      expect(res.body.map((e: { path: string }) => e.path).sort()).toEqual([
        'responseHandler.timeoutMs',
        'responseHandler.uri',
        'responseType',
      ]);
    });
  });

  describe("Metamug: the callback URL as a request parameter, and a redirect that carries the API's parameters", () => {
    it('delivers the transfer events to ?callbackURL= as it would to {"uri": it, "events": ["transfer.process"]}', async () => {
      await seedAgreement(stack.api.get(REDIS), stack.config, agreementFixture({ id: 'metamug-contract' }));
      const hook = `${stack.receiver.url}/metamug/bar`;
      const created = await post(`/management/v3/transferprocesses?callbackURL=${encodeURIComponent(hook)}`, {
        ...transferRequest(),
        contractId: 'metamug-contract',
      }).expect(200);
      const tp = (await get(`/management/v3/transferprocesses/${created.body['@id']}`).expect(200)).body;
      expect(tp.callbackAddresses).toEqual([{ '@type': 'CallbackAddress', uri: hook, events: ['transfer.process'], transactional: false }]);
      await post(`/signaling/v1/transferprocesses/${created.body['@id']}/requested`).expect(200);
      await stack.receiver.waitFor((calls) => calls.filter((c) => c.path === '/metamug/bar').length >= 2);
      expect(stack.receiver.callsTo('/metamug/bar').map((c) => c.json.type)).toEqual(
        expect.arrayContaining(['TransferProcessInitiated', 'TransferProcessRequested']),
      );
    });

    it('takes ?callbackURL= on a negotiation for all its events', async () => {
      const hook = `${stack.receiver.url}/metamug/negotiation`;
      const created = await post(`/management/v3/contractnegotiations?callbackURL=${encodeURIComponent(hook)}`, {
        '@context': { '@vocab': 'https://w3id.org/edc/v0.0.1/ns/' },
        counterPartyAddress: 'http://provider.example/dsp',
        protocol: 'dataspace-protocol-http',
        policy: { '@context': 'http://www.w3.org/ns/odrl.jsonld', '@type': 'odrl:Offer', '@id': 'o-1', assigner: 'p', target: 'a' },
      }).expect(200);
      const cn = (await get(`/management/v3/contractnegotiations/${created.body['@id']}`).expect(200)).body;
      expect(cn.callbackAddresses).toEqual([
        { '@type': 'CallbackAddress', uri: hook, events: ['contract.negotiation'], transactional: false },
      ]);
      await stack.receiver.waitFor((calls) => calls.some((c) => c.path === '/metamug/negotiation'));
    });

    it("validates ?callbackURL= like any callback address, with the body's other problems in the same 400", async () => {
      const bad = await post('/management/v3/transferprocesses?callbackURL=ftp://files.example/x', {
        ...transferRequest(),
        protocol: 7,
      }).expect(400);
      expect(bad.body.map((e: { path: string }) => e.path).sort()).toEqual(['callbackURL', 'protocol']);
      const refused = await post('/management/v3/transferprocesses?callbackURL=http://10.0.0.8/hook', transferRequest()).expect(400);
      expect(refused.body).toEqual([
        expect.objectContaining({ path: 'callbackURL', invalidValue: 'http://10.0.0.8/hook', type: 'ValidationFailure' }),
      ]);
    });

    it("appends the call's query to the redirect (redirectAppendQuery), leaving the state parameter behind", async () => {
      const cb = await create({
        responseType: 'redirect',
        responseRedirectUrl: 'https://my.server.example/bar?from=api#done',
        redirectAppendQuery: true,
        stateQueryParameter: 'state',
        allowMultipleCalls: true,
      });
      const res = await call()
        .get(`${pathOf(cb.callbackUrl)}&code=xyz&scope=read`)
        .expect(302);
      expect(res.headers.location).toBe('https://my.server.example/bar?from=api&code=xyz&scope=read#done');

      const plain = await create({ responseType: 'redirect', responseRedirectUrl: '/page/thankyou' });
      expect(
        (
          await call()
            .get(`${pathOf(plain.callbackUrl)}?code=xyz`)
            .expect(302)
        ).headers.location,
      ).toBe('/page/thankyou');
    });
  });

  describe('all problems at once', () => {
    it('lists address policy refusals with every other problem of a body in one 400', async () => {
      const res = await post('/management/v3/transferprocesses', {
        ...transferRequest(),
        transferType: undefined,
        callbackAddress: 'http://127.0.0.2/shorthand',
        callbackAddresses: [
          { uri: 'http://192.168.1.10/a', events: ['transfer.process'] },
          { uri: 'not a url', events: ['transfer.process'] },
        ],
      }).expect(400);
      expect(res.body.map((e: { path: string }) => e.path).sort()).toEqual([
        'callbackAddress',
        'callbackAddresses[0].uri',
        'callbackAddresses[1].uri',
        'transferType',
      ]);
    });

    it('lists a negotiation policy problem with an address refusal', async () => {
      const res = await post('/management/v3/contractnegotiations', {
        '@context': { '@vocab': 'https://w3id.org/edc/v0.0.1/ns/' },
        counterPartyAddress: 'http://provider.example/dsp',
        protocol: 'dataspace-protocol-http',
        policy: {
          '@context': 'http://www.w3.org/ns/odrl.jsonld',
          '@type': 'odrl:Offer',
          '@id': 'o-1',
          assigner: 'p',
          target: 'a',
          permission: [{ action: 'use', constraint: [{ leftOperand: 'x', operator: 'nearly', rightOperand: 1 }] }],
        },
        callbackAddresses: [{ uri: 'http://[::1]:9/x', events: ['contract.negotiation'] }],
      }).expect(400);
      expect(res.body.map((e: { path: string }) => e.path).sort()).toEqual([
        'callbackAddresses[0].uri',
        'policy.permission[0].constraint[0].operator',
      ]);
    });
  });
});
