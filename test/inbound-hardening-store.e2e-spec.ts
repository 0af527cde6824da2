import { randomUUID } from 'node:crypto';
import { StreamEvent } from '@app/events';
import { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import request from 'supertest';
import { AppConfig } from '@app/platform';
import { allStreams, keyOf } from './support/redis-keys';
import { InboundCallbackStore } from '../apps/api/src/inbound-callbacks/inbound-callback.store';
import { apiClient, dropKeys, startApi, testConfig } from './support/harness';

const BASE = 'http://cb.test';
const DAY_MS = 24 * 3600 * 1000;

/** Issue 10, items 8, 2 (inbound) and 16 (offset): what the store keeps, for how long, and a resent claim. */
describe('inbound callbacks: store hardening', () => {
  let config: AppConfig;
  let api: INestApplication;
  let redis: Redis;

  beforeAll(async () => {
    // No dispatcher runs, so the event stream keeps every entry to be read.
    // One partition: the index mechanics below (sweep per create, refill) are those of one partition's.
    config = testConfig({ PUBLIC_BASE_URL: BASE, REDIS_PARTITIONS: '1' });
    api = await startApi(config);
    redis = new Redis(config.redisUrl);
  });

  afterAll(async () => {
    await api?.close();
    await dropKeys(config);
    await redis?.quit();
  });

  const { get, post } = apiClient(() => api);
  const create = async (body: object) =>
    (await post('/management/v1/callbacks', body).expect(201)).body as { id: string; callbackUrl: string };
  // One partition (see the config): every key here is in it.
  const key = (...parts: string[]) => keyOf(config, '', ...parts);
  const indexKey = () => key('callback-index', 'createdAt');

  describe('a claim resent after a dropped connection (ioredis resends unanswered commands)', () => {
    const store = () => api.get(InboundCallbackStore);
    const outboxEntriesOf = async (eventId: string) =>
      (await redis.xrange(allStreams(config)[0], '-', '+'))
        .map(([, fields]) => fields[1])
        .filter((e) => JSON.parse(e).envelope.id === eventId);

    const eventFor = (callbackId: string): StreamEvent => ({
      envelope: { id: randomUUID(), at: Date.now(), type: 'CallbackReceived', payload: { callbackId } },
      entity: { kind: 'callback', id: callbackId },
      sequence: 0,
      callbackAddresses: [],
    });
    const aCall = () => ({
      receivedAt: Date.now(),
      method: 'POST',
      path: '/cb/x',
      query: {},
      headers: {},
      body: '{}',
      bodyEncoding: 'utf8' as const,
      outcome: 'accepted' as const,
    });

    it('answers the number of its first run, and records the call and its event once', async () => {
      const { id } = await create({ allowMultipleCalls: true });
      const callback = (await store().get(id))!;
      expect(await store().claim(callback, aCall(), false, randomUUID())).toBe(1);

      const event = eventFor(id);
      const first = await store().claim(callback, aCall(), false, event.envelope.id, event);
      const resent = await store().claim(callback, aCall(), false, event.envelope.id, event);
      expect([first, resent]).toEqual([2, 2]);
      const view = (await get(`/management/v1/callbacks/${id}`).expect(200)).body;
      expect(view.callCount).toBe(2);
      expect(view.calls).toHaveLength(2);
      const entries = await outboxEntriesOf(event.envelope.id);
      expect(entries).toHaveLength(1);
      expect(JSON.parse(entries[0])).toEqual({ ...event, sequence: 2 });

      expect(await store().claim(callback, aCall(), false, randomUUID())).toBe(3);
    });

    it('answers a resent claim that closed a single-use URL with its number, not "closed"', async () => {
      const { id } = await create({});
      const callback = (await store().get(id))!;
      const token = randomUUID();
      expect(await store().claim(callback, aCall(), true, token)).toBe(1);
      expect(await store().claim(callback, aCall(), true, token)).toBe(1);
      expect(await store().claim(callback, aCall(), true, randomUUID())).toBeNull();
    });
  });

  it('gives the calls of a multi-call callback with expiresAt the lifetime of the callback', async () => {
    const expiresAt = Date.now() + 3600_000;
    const cb = await create({ allowMultipleCalls: true, expiresAt });
    await request(api.getHttpServer()).post(cb.callbackUrl.slice(BASE.length)).send({ n: 1 }).expect(200);
    const ttl = await redis.pttl(key('callback', cb.id, 'calls'));
    expect(ttl).toBeGreaterThan(expiresAt + 7 * DAY_MS - Date.now() - 60_000);
    expect(ttl).toBeLessThanOrEqual(expiresAt + 7 * DAY_MS - Date.now() + 1000);
  });

  it('fills a page from further ids when records have expired, and drops those ids from the index', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await create({})).id);
    const [a, b, c, d, e, f] = ids;
    await redis.del(key('callback', d), key('callback', e)); // as if they had expired

    const page = (await get('/management/v1/callbacks?offset=0&limit=3').expect(200)).body.map((x: { id: string }) => x.id);
    expect(page).toEqual([f, c, b]);
    const next = (await get('/management/v1/callbacks?offset=3&limit=1').expect(200)).body.map((x: { id: string }) => x.id);
    expect(next).toEqual([a]);
    expect(await redis.zscore(indexKey(), d)).toBeNull();
    expect(await redis.zscore(indexKey(), e)).toBeNull();
  });

  it('trims the creation index of callbacks whose record is gone, as callbacks are created', async () => {
    const gone: string[] = [];
    for (let i = 0; i < 5; i++) gone.push((await create({})).id);
    await redis.del(...gone.map((id) => key('callback', id)));
    const entries = await redis.zcard(indexKey());
    // The sweep walks the index a few entries per create; one round is enough.
    for (let i = 0; i < entries / 5 + 2; i++) await create({});
    for (const id of gone) expect(await redis.zscore(indexKey(), id)).toBeNull();
  });

  it('answers 400, not 500, to an offset or limit that is not a bounded integer', async () => {
    for (const query of ['offset=1e21', 'offset=2147483648', 'offset=-1', 'offset=1.5', 'offset=abc', 'limit=1e21', 'limit=0'])
      await get(`/management/v1/callbacks?${query}`).expect(400);
    await get('/management/v1/callbacks?offset=2147483647').expect(200);
  });
});
