import request from 'supertest';
import { apiClient, Stack, startStack } from './support/harness';
import { closedPort } from './support/closed-port';

const BASE = 'http://cb.test';
const pathOf = (url: string) => url.slice(BASE.length);

/** Issue 10, items 9, 10 and 15: what an anonymous caller of /cb is told, and how it is answered. */
describe('inbound callbacks: answers to anonymous callers', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(() => ({ PUBLIC_BASE_URL: BASE }));
  });

  afterAll(() => stack?.stop());

  const { get, post } = apiClient(() => stack.api);
  const call = () => request(stack.api.getHttpServer());
  const create = async (body: object) =>
    (await post('/management/v1/callbacks', body).expect(201)).body as { id: string; callbackUrl: string };

  it('answers a call refused by a transactional callback with a generic 503; the reason stays in the delivery log', async () => {
    const port = await closedPort();
    const cb = await create({
      callbackAddresses: [{ uri: `http://127.0.0.1:${port}/hook?token=s3cret`, events: ['callback.received'], transactional: true }],
    });

    const res = await call().post(pathOf(cb.callbackUrl)).send({ paid: true }).expect(503);
    const text = JSON.stringify(res.body) + JSON.stringify(res.headers);
    for (const leak of ['127.0.0.1', String(port), 's3cret', 'ECONNREFUSED', '/hook']) expect(text).not.toContain(leak);
    expect(res.body).toEqual([expect.objectContaining({ type: 'ServiceUnavailable' })]);

    // Not taken: the single-use URL is still open, and the reason is where its owner looks.
    expect((await get(`/management/v1/callbacks/${cb.id}`).expect(200)).body).toMatchObject({ status: 'open', callCount: 0 });
    const [delivery] = (await get(`/management/v1/deliveries?entityId=${cb.id}`).expect(200)).body;
    expect(delivery.attempts[0].error).toContain('ECONNREFUSED');
  });

  describe('responseHeaders and responseCode that would break HTTP framing', () => {
    it('refuses framing and hop-by-hop headers, in any case, and malformed ones, all in one 400', async () => {
      const responseHeaders = {
        'Content-Length': '0',
        'transfer-encoding': 'chunked',
        CONNECTION: 'close',
        Upgrade: 'h2c',
        'Keep-Alive': 'timeout=5',
        'Proxy-Connection': 'keep-alive',
        TE: 'trailers',
        Trailer: 'x-sum',
        'bad name': 'x',
        'x-split': 'a\r\nLocation: https://evil.example/',
        'x-fine': 'yes',
      };
      const res = await post('/management/v1/callbacks', {
        responseHeaders,
        responseBody: 'HTTP/1.1 302 Found\r\nLocation: https://evil.example/\r\n\r\n',
      }).expect(400);
      expect(res.body.map((e: { path: string }) => e.path).sort()).toEqual(
        [
          'responseHeaders.Content-Length',
          'responseHeaders.transfer-encoding',
          'responseHeaders.CONNECTION',
          'responseHeaders.Upgrade',
          'responseHeaders.Keep-Alive',
          'responseHeaders.Proxy-Connection',
          'responseHeaders.TE',
          'responseHeaders.Trailer',
          'responseHeaders',
          'responseHeaders.x-split',
        ].sort(),
      );
    });

    it('accepts only final status codes, 200 to 599', async () => {
      for (const responseCode of [100, 101, 103, 199, 600, 200.5])
        expect((await post('/management/v1/callbacks', { responseCode }).expect(400)).body[0].path).toBe('responseCode');
      for (const responseCode of [200, 204, 418, 599]) {
        const cb = await create({ responseCode });
        await call().get(pathOf(cb.callbackUrl)).expect(responseCode);
      }
    });
  });

  describe('OPTIONS and HEAD', () => {
    it('answers a CORS preflight and a HEAD without taking them as calls; the real call afterwards is the first', async () => {
      const cb = await create({
        responseBody: 'thanks',
        responseHeaders: { 'x-custom': 'yes' },
        callbackAddresses: [{ uri: `${stack.receiver.url}/events`, events: ['callback.received'] }],
      });
      const preflight = await call()
        .options(pathOf(cb.callbackUrl))
        .set('origin', 'https://shop.example')
        .set('access-control-request-method', 'POST')
        .set('access-control-request-headers', 'content-type, x-order')
        .expect(204);
      expect(preflight.headers).toMatchObject({
        'access-control-allow-origin': 'https://shop.example',
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'content-type, x-order',
        'access-control-max-age': '600',
      });
      expect(preflight.headers.vary).toContain('Origin');

      const head = await call().head(pathOf(cb.callbackUrl)).expect(200);
      expect(head.headers['x-custom']).toBe('yes');
      expect(head.text ?? '').toBe('');

      const plain = await call().options(pathOf(cb.callbackUrl)).expect(204);
      expect(plain.headers.allow).toContain('POST');

      expect((await get(`/management/v1/callbacks/${cb.id}`).expect(200)).body).toMatchObject({ status: 'open', callCount: 0, calls: [] });
      const res = await call().post(pathOf(cb.callbackUrl)).set('origin', 'https://shop.example').send({ order: 7 }).expect(200);
      expect(res.text).toBe('thanks');
      const view = (await get(`/management/v1/callbacks/${cb.id}`).expect(200)).body;
      expect(view).toMatchObject({ status: 'closed', callCount: 1 });
      expect(view.calls.map((c: { method: string }) => c.method)).toEqual(['POST']);

      await stack.receiver.waitFor((calls) => calls.some((c) => c.path === '/events'));
      await new Promise((resolve) => setTimeout(resolve, 300)); // room for an event that should not come
      const events = stack.receiver.callsTo('/events');
      expect(events).toHaveLength(1);
      expect(events[0].headers['x-event-sequence']).toBe('1');
      expect(events[0].json.payload.method).toBe('POST');
    });

    it('lets an owner narrow the preflight with access-control-* responseHeaders; a closed URL answers 404 to it', async () => {
      const cb = await create({ responseHeaders: { 'Access-Control-Allow-Origin': 'https://only.example' } });
      const preflight = await call()
        .options(pathOf(cb.callbackUrl))
        .set('origin', 'https://other.example')
        .set('access-control-request-method', 'PUT')
        .expect(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://only.example');
      await call().put(pathOf(cb.callbackUrl)).expect(200);
      await call()
        .options(pathOf(cb.callbackUrl))
        .set('origin', 'https://only.example')
        .set('access-control-request-method', 'PUT')
        .expect(404);
      await call().head(pathOf(cb.callbackUrl)).expect(404);
    });
  });
});
