import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AppConfig } from '@app/platform';
import { API_KEY, dropKeys, Stack, startApi, startStack, testConfig } from './support/harness';

const BASE = 'http://cb.test';
const pathOf = (url: string) => url.slice(BASE.length);

/** Issue 10, item 7: what anonymous callers of one multi-call URL can put into Redis is bounded. */
describe('inbound callbacks: per-URL limits', () => {
  describe('retention by bytes', () => {
    let stack: Stack;

    beforeAll(async () => {
      stack = await startStack(() => ({ PUBLIC_BASE_URL: BASE }));
    });

    afterAll(async () => {
      await stack?.stop();
      // After replies this large, redis-parser shrinks its buffer pool on a 50 ms interval for
      // a second or two; jest would end while it still runs and warn about an open handle.
      await new Promise((resolve) => setTimeout(resolve, 2500));
    });

    it('keeps 64 KiB of each body and 1 MiB of calls per URL; the event still carries the whole body', async () => {
      const http = () => request(stack.api.getHttpServer());
      const created = await http()
        .post('/management/v1/callbacks')
        .set('x-api-key', API_KEY)
        .send({ allowMultipleCalls: true, callbackAddresses: [{ uri: `${stack.receiver.url}/events`, events: ['callback.received'] }] })
        .expect(201);
      const body = '€'.repeat(35_000); // 105,000 bytes of UTF-8: 64 KiB ends inside a character
      for (let i = 0; i < 20; i++)
        await http().post(pathOf(created.body.callbackUrl)).set('content-type', 'text/plain').send(body).expect(200);

      const view = (await http().get(`/management/v1/callbacks/${created.body.id}`).set('x-api-key', API_KEY).expect(200)).body;
      expect(view.callCount).toBe(20);
      expect(view.calls.length).toBeLessThan(20);
      expect(view.calls.length).toBeGreaterThan(10);
      const kept = view.calls.reduce((sum: number, c: object) => sum + Buffer.byteLength(JSON.stringify(c)), 0);
      expect(kept).toBeLessThanOrEqual(1024 * 1024);
      const last = view.calls.at(-1);
      expect(last.truncatedFrom).toBe(105_000);
      expect(last.body).toBe('€'.repeat(21_845)); // 65,535 bytes: the cut character is left out

      await stack.receiver.waitFor((calls) => calls.filter((c) => c.path === '/events').length === 20);
      expect(stack.receiver.callsTo('/events')[0].json.payload.body).toBe(body);
    });
  });

  /** One api per set of limits, each on its own Redis prefix. */
  async function withApi(env: Record<string, string>, run: (api: INestApplication) => Promise<void>): Promise<void> {
    const config: AppConfig = testConfig({ PUBLIC_BASE_URL: BASE, ...env });
    const api = await startApi(config);
    try {
      await run(api);
    } finally {
      await api.close();
      await dropKeys(config);
    }
  }

  async function multiCallUrl(api: INestApplication): Promise<{ id: string; path: string }> {
    const res = await request(api.getHttpServer())
      .post('/management/v1/callbacks')
      .set('x-api-key', API_KEY)
      .send({ allowMultipleCalls: true })
      .expect(201);
    return { id: res.body.id, path: pathOf(res.body.callbackUrl) };
  }

  const callCount = async (api: INestApplication, id: string) =>
    (await request(api.getHttpServer()).get(`/management/v1/callbacks/${id}`).set('x-api-key', API_KEY).expect(200)).body.callCount;

  it('answers 429 with Retry-After past INBOUND_MAX_CALLS_PER_MINUTE, without capturing the call', () =>
    withApi({ INBOUND_MAX_CALLS_PER_MINUTE: '3' }, async (api) => {
      const url = await multiCallUrl(api);
      const other = await multiCallUrl(api);
      for (let i = 0; i < 3; i++) await request(api.getHttpServer()).post(url.path).send({ i }).expect(200);
      const refused = await request(api.getHttpServer()).post(url.path).send({ i: 3 }).expect(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(refused.body[0].message).not.toMatch(/redis|lua/i);
      expect(await callCount(api, url.id)).toBe(3);
      // Limits are per URL.
      await request(api.getHttpServer()).post(other.path).send({}).expect(200);
    }));

  it('answers 429 past INBOUND_MAX_CALLS_PER_DAY, with Retry-After at the end of that day', () =>
    withApi({ INBOUND_MAX_CALLS_PER_DAY: '4' }, async (api) => {
      const url = await multiCallUrl(api);
      for (let i = 0; i < 4; i++) await request(api.getHttpServer()).get(url.path).expect(200);
      const refused = await request(api.getHttpServer()).get(url.path).expect(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(86_000);
      expect(await callCount(api, url.id)).toBe(4);
    }));

  it('answers 429 once the bodies of a day would pass INBOUND_MAX_BYTES_PER_DAY', () =>
    withApi({ INBOUND_MAX_BYTES_PER_DAY: '10240' }, async (api) => {
      const url = await multiCallUrl(api);
      const body = 'x'.repeat(4096);
      await request(api.getHttpServer()).post(url.path).set('content-type', 'text/plain').send(body).expect(200);
      await request(api.getHttpServer()).post(url.path).set('content-type', 'text/plain').send(body).expect(200);
      const refused = await request(api.getHttpServer()).post(url.path).set('content-type', 'text/plain').send(body).expect(429);
      expect(refused.headers['retry-after']).toBeDefined();
      // A small call still fits the day's bytes.
      await request(api.getHttpServer()).post(url.path).set('content-type', 'text/plain').send('small').expect(200);
      expect(await callCount(api, url.id)).toBe(3);
    }));
});
