import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AppConfig } from '@app/platform';
import { apiClient, dropKeys, startApi, testConfig } from './support/harness';

/** Issue 10, items 6 and 16 (part): `bodySchema` isolated, bounded in size and in memory; deep /cb bodies refused. */
describe('inbound callbacks: bodySchema hardening', () => {
  let config: AppConfig;
  let api: INestApplication;

  beforeAll(async () => {
    config = testConfig({ PUBLIC_BASE_URL: 'http://cb.test' });
    api = await startApi(config);
  });

  afterAll(async () => {
    await api?.close();
    await dropKeys(config);
  });

  const { get, post } = apiClient(() => api);
  const call = () => request(api.getHttpServer());
  const pathOf = (url: string) => url.slice('http://cb.test'.length);
  const create = async (body: object) =>
    (await post('/management/v1/callbacks', body).expect(201)).body as { id: string; callbackUrl: string };

  it('keeps schemas with the same $id apart: both are created and each checks its own calls', async () => {
    const order = { $id: 'https://example.test/schemas/order', type: 'object', required: ['order'] };
    const payment = { $id: 'https://example.test/schemas/order', type: 'object', required: ['payment'] };
    const a = await create({ bodySchema: order, allowMultipleCalls: true });
    const b = await create({ bodySchema: payment, allowMultipleCalls: true });
    await call().post(pathOf(a.callbackUrl)).send({ order: 1 }).expect(200);
    await call().post(pathOf(a.callbackUrl)).send({ payment: 1 }).expect(400);
    await call().post(pathOf(b.callbackUrl)).send({ payment: 1 }).expect(200);
    await call().post(pathOf(b.callbackUrl)).send({ order: 1 }).expect(400);
  });

  it("runs a schema's patterns in linear time: a catastrophic pattern cannot hang the api", async () => {
    // On JavaScript's backtracking engine this body takes longer than the universe has left.
    const cb = await create({
      bodySchema: { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } },
      allowMultipleCalls: true,
    });
    const res = await call()
      .post(pathOf(cb.callbackUrl))
      .send({ name: `${'a'.repeat(50_000)}!` })
      .timeout(5000);
    expect(res.status).toBe(400);
    await call().post(pathOf(cb.callbackUrl)).send({ name: 'aaa' }).expect(200);
    // A pattern the linear engine cannot run (a backreference) is refused when the callback is created.
    const refused = await post('/management/v1/callbacks', { bodySchema: { type: 'string', pattern: '(a)\\1' } }).expect(400);
    expect(JSON.stringify(refused.body)).toContain('bodySchema');
  });

  it('refuses a schema over 16 KiB, without spending time compiling it', async () => {
    const properties = Object.fromEntries(
      Array.from({ length: 3000 }, (_, i) => [`p${i}`, { type: 'string', minLength: 1, pattern: '^a' }]),
    );
    const started = Date.now();
    const res = await post('/management/v1/callbacks', { bodySchema: { type: 'object', properties } }).expect(400);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.body).toEqual([
      expect.objectContaining({ path: 'bodySchema', message: expect.stringContaining('above the limit of 16384') }),
    ]);
  });

  it('never fetches a $ref: one the schema does not resolve itself is refused at creation', async () => {
    const res = await post('/management/v1/callbacks', { bodySchema: { $ref: 'https://schemas.example.test/order.json' } }).expect(400);
    expect(res.body[0]).toMatchObject({ path: 'bodySchema', message: expect.stringContaining("can't resolve reference") });
  });

  it('gives back the memory of compiled schemas: 80 distinct 15 KB schemas leave the heap about where it was', async () => {
    // Each is compiled to some 280 KB of code; kept for good (by a shared Ajv, or by V8's cache
    // of `new Function` sources), 80 of them hold over 20 MB.
    const schema = (n: number) => ({ allOf: Array.from({ length: 800 }, (_, i) => ({ minimum: n * 1000 + i })) });
    expect(Buffer.byteLength(JSON.stringify(schema(99)))).toBeLessThan(16 * 1024);
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heapAfterGc = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    for (let n = 0; n < 20; n++) await create({ bodySchema: schema(n) }); // fills the cache
    const before = heapAfterGc();
    for (let n = 20; n < 100; n++) await create({ bodySchema: schema(n) });
    const grown = heapAfterGc() - before;
    expect(grown).toBeLessThan(8 * 1024 * 1024);
  });

  it('answers 400, not 500, to a 100,000-deep body against a recursive schema', async () => {
    const cb = await create({ bodySchema: { type: 'array', items: { $ref: '#' } }, retryableAfterError: true });
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const res = await call().post(pathOf(cb.callbackUrl)).set('content-type', 'application/json').send(deep).expect(400);
    expect(res.body[0].message).toContain('nested deeper than 64 levels');
    await call()
      .post(pathOf(cb.callbackUrl))
      .send([[[]]])
      .expect(200);
    expect((await get(`/management/v1/callbacks/${cb.id}`)).body.calls.map((c: { outcome: string }) => c.outcome)).toEqual([
      'rejected',
      'accepted',
    ]);
  });
});
