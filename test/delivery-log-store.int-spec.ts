import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { AppConfig, connectRedis } from '@app/platform';
import { dropKeys, testConfig, waitUntil } from './support/harness';
import { keyOf, partitionsOf } from './support/redis-keys';
import {
  AttemptRecord,
  DELIVERY_LOG_MAX_ATTEMPTS,
  DeliveryJobData,
  deliveryJobId,
  DeliveryLog,
  DeliveryStatus,
  eventIdOf,
} from '@app/delivery';

// The log against a real Redis, driven directly (no dispatcher): bounds, series, indexes.
describe('DeliveryLog', () => {
  let config: AppConfig;
  let redis: Redis;
  let log: DeliveryLog;

  beforeAll(() => {
    config = testConfig();
    redis = connectRedis(config.redisUrl);
    log = new DeliveryLog(redis, config, partitionsOf(config));
  });

  afterAll(async () => {
    await dropKeys(config);
    await redis.quit();
  });

  // As the api makes them: an event's id is drawn in its object's partition.
  const job = (over: { eventId?: string; entityId?: string; uri?: string } = {}): { id: string; data: DeliveryJobData } => {
    const entityId = over.entityId ?? randomUUID();
    const partitions = partitionsOf(config);
    const eventId = over.eventId ?? partitions.newId(partitions.of(entityId));
    const uri = over.uri ?? 'http://receiver.example/hook';
    return {
      id: deliveryJobId(eventId, uri),
      data: {
        eventId,
        eventType: 'TransferProcessInitiated',
        entity: { kind: 'transferprocess', id: entityId },
        sequence: 1,
        body: '{}',
        endpoint: { uri, authKey: 'x-auth', authCodeId: 'alias' },
      },
    };
  };

  const attempt = (
    n: number,
    outcome: AttemptRecord['outcome'],
    status = outcome === 'delivered' ? 200 : 500,
  ): Omit<AttemptRecord, 'series'> => ({
    attempt: n,
    at: Date.now(),
    status,
    latencyMs: 3,
    ...(outcome === 'delivered' ? {} : { error: `HTTP ${status}` }),
    response: 'body',
    outcome,
  });

  const record = (d: { id: string; data: DeliveryJobData }, n: number, status: DeliveryStatus) =>
    log.recordAttempt(d.id, d.data, attempt(n, status as AttemptRecord['outcome']), status);

  it('records a queued delivery as pending, with the public shape and no secret alias', async () => {
    const d = job({ uri: 'http://receiver.example/pending' });
    await log.recordQueued([d]);
    const found = await log.get(d.id);
    expect(found).toEqual({
      id: d.id,
      eventId: d.data.eventId,
      eventType: 'TransferProcessInitiated',
      entity: d.data.entity,
      endpoint: { uri: 'http://receiver.example/pending' },
      status: 'pending',
      series: 1,
      createdAt: expect.any(Number),
      updatedAt: expect.any(Number),
      attempts: [],
    });
    expect(await log.get('no-such-delivery')).toBeNull();
  });

  it('keeps at most the last 50 attempts of a delivery', async () => {
    const d = job();
    await log.recordQueued([d]);
    for (let n = 1; n <= 60; n++) await record(d, n, n === 60 ? 'delivered' : 'retrying');
    const found = (await log.get(d.id))!;
    expect(found.attempts).toHaveLength(DELIVERY_LOG_MAX_ATTEMPTS);
    expect(found.attempts.map((a) => a.attempt)).toEqual(Array.from({ length: 50 }, (_, i) => i + 11));
    expect(found.status).toBe('delivered');
    expect(await redis.llen(keyOf(config, d.data.eventId, 'delivery', d.id, 'attempts'))).toBe(50);
  });

  it('never lets recordQueued reset a delivery that was attempted', async () => {
    const d = job();
    await log.recordQueued([d]);
    await record(d, 1, 'retrying');
    await record(d, 2, 'delivered');
    await log.recordQueued([d]);
    await log.recordQueued([d, job()]);
    const found = (await log.get(d.id))!;
    expect(found.status).toBe('delivered');
    expect(found.attempts).toHaveLength(2);
    expect((await log.list({ status: 'pending' }, 0, 1000)).map((r) => r.id)).not.toContain(d.id);
  });

  it('creates the record when an attempt comes before recordQueued, which then leaves it alone', async () => {
    const d = job();
    await record(d, 1, 'retrying');
    await log.recordQueued([d]);
    const found = (await log.get(d.id))!;
    expect(found).toMatchObject({ status: 'retrying', series: 1, attempts: [{ series: 1, attempt: 1, outcome: 'retrying' }] });
    expect((await log.list({ eventId: d.data.eventId }, 0, 10)).map((r) => r.id)).toEqual([d.id]);
  });

  it('opens a new series when a failed delivery is attempted again', async () => {
    const d = job();
    await log.recordQueued([d]);
    await record(d, 1, 'retrying');
    await record(d, 2, 'failed');
    expect((await log.get(d.id))!).toMatchObject({ status: 'failed', series: 1 });
    await record(d, 1, 'retrying');
    await record(d, 2, 'delivered');
    const found = (await log.get(d.id))!;
    expect(found.series).toBe(2);
    expect(found.status).toBe('delivered');
    expect(found.attempts.map((a) => [a.series, a.attempt, a.outcome])).toEqual([
      [1, 1, 'retrying'],
      [1, 2, 'failed'],
      [2, 1, 'retrying'],
      [2, 2, 'delivered'],
    ]);
    expect(found.attempts[0]).toEqual({
      series: 1,
      attempt: 1,
      at: expect.any(Number),
      status: 500,
      latencyMs: 3,
      error: 'HTTP 500',
      response: 'body',
      outcome: 'retrying',
    });
  });

  it('moves a delivery between status indexes and answers combined filters', async () => {
    const entityId = randomUUID();
    const eventId = partitionsOf(config).newId(partitionsOf(config).of(entityId));
    const a = job({ eventId, entityId, uri: 'http://a.example/' });
    const b = job({ eventId, entityId, uri: 'http://b.example/' });
    const c = job({ entityId, uri: 'http://c.example/' });
    await log.recordQueued([a, b]);
    await log.recordQueued([c]);
    await record(a, 1, 'delivered');
    await record(b, 1, 'failed');

    const ids = async (filter: Parameters<DeliveryLog['list']>[0]) => (await log.list(filter, 0, 100)).map((r) => r.id).sort();
    expect(await ids({ entityId })).toEqual([a.id, b.id, c.id].sort());
    expect(await ids({ eventId })).toEqual([a.id, b.id].sort());
    expect(await ids({ eventId, status: 'delivered' })).toEqual([a.id]);
    expect(await ids({ entityId, status: 'failed' })).toEqual([b.id]);
    expect(await ids({ entityId, status: 'pending' })).toEqual([c.id]);
    expect(await ids({ eventId, entityId, status: 'pending' })).toEqual([]);
    expect(await ids({ status: 'pending' })).toContain(c.id);
    expect(await ids({ status: 'pending' })).not.toContain(a.id);
  });

  it('lists newest first and pages through single indexes and intersections', async () => {
    const entityId = randomUUID();
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      const d = job({ entityId });
      await log.recordQueued([d]);
      made.push(d.id);
      await new Promise((r) => setTimeout(r, 2));
    }
    const newestFirst = [...made].reverse();
    const all = await log.list({}, 0, 1000);
    expect(all.map((r) => r.createdAt)).toEqual([...all.map((r) => r.createdAt)].sort((x, y) => y - x));
    expect((await log.list({ entityId }, 0, 100)).map((r) => r.id)).toEqual(newestFirst);
    for (const filter of [{ entityId }, { entityId, status: 'pending' as const }]) {
      const pages = [];
      for (let offset = 0; offset < 8; offset += 3) pages.push(...(await log.list(filter, offset, 3)));
      expect(pages.map((r) => r.id)).toEqual(newestFirst);
      expect(await log.list(filter, 7, 3)).toEqual([]);
      expect(await log.list(filter, 0, 0)).toEqual([]);
    }
  });

  it('skips an id whose record is gone and fills the page from the next ones', async () => {
    const entityId = randomUUID();
    const made: string[] = [];
    for (let i = 0; i < 4; i++) {
      const d = job({ entityId });
      await log.recordQueued([d]);
      made.push(d.id);
      await new Promise((r) => setTimeout(r, 2));
    }
    await redis.del(keyOf(config, eventIdOf(made[2]), 'delivery', made[2]));
    expect((await log.list({ entityId }, 0, 2)).map((r) => r.id)).toEqual([made[3], made[1]]);
    expect((await log.list({ entityId, status: 'pending' }, 0, 3)).map((r) => r.id)).toEqual([made[3], made[1], made[0]]);
  });

  it("reads the previous release's per-event and per-entity index keys with the owners index, each delivery once", async () => {
    const entityId = randomUUID();
    // Two deliveries as the previous release wrote them: the record, bare ids in `all` and the
    // status index, and an index key per event and per entity with the retention as TTL.
    const old = [job({ entityId, uri: 'http://receiver.example/old-1' }), job({ entityId, uri: 'http://receiver.example/old-2' })];
    const createdAt = Date.now() - 1000;
    for (const [i, d] of old.entries()) {
      const at = createdAt + i;
      const { eventId } = d.data;
      const meta = { id: d.id, eventId, eventType: d.data.eventType, entity: d.data.entity, endpoint: { uri: d.data.endpoint.uri } };
      const status = i === 0 ? 'failed' : 'delivered';
      await redis.hset(keyOf(config, eventId, 'delivery', d.id), {
        meta: JSON.stringify(meta),
        status,
        series: 1,
        createdAt: at,
        updatedAt: at,
      });
      await redis.zadd(keyOf(config, eventId, 'delivery-index', 'all'), at, d.id);
      await redis.zadd(keyOf(config, eventId, 'delivery-index', 'status', status), at, d.id);
      for (const key of [
        keyOf(config, eventId, 'delivery-index', 'event', eventId),
        keyOf(config, entityId, 'delivery-index', 'entity', entityId),
      ])
        await redis.multi().zadd(key, at, d.id).pexpire(key, config.deliveryLogRetentionMs).exec();
    }
    // One of this release, of the same entity; and one the old entity key also names (a
    // duplicate no writer makes, but a reader of both must give once).
    const fresh = job({ entityId, uri: 'http://receiver.example/new' });
    await record(fresh, 1, 'failed');
    await redis.zadd(keyOf(config, entityId, 'delivery-index', 'entity', entityId), Date.now(), fresh.id);
    const [first, second] = old;

    const ids = (records: { id: string }[]) => records.map((r) => r.id);
    expect(ids(await log.list({ entityId }, 0, 10))).toEqual([fresh.id, second.id, first.id]);
    expect(ids(await log.list({ entityId }, 1, 1))).toEqual([second.id]);
    expect(ids(await log.list({ entityId, status: 'failed' }, 0, 10))).toEqual([fresh.id, first.id]);
    expect(ids(await log.list({ eventId: first.data.eventId }, 0, 10))).toEqual([first.id]);
    expect(ids(await log.list({ eventId: second.data.eventId, entityId }, 0, 10))).toEqual([second.id]);
    expect(ids((await log.search({ entityId }, undefined, 10)).items)).toEqual([fresh.id, second.id, first.id]);
    const page = await log.search({ entityId }, undefined, 2);
    expect(ids(page.items)).toEqual([fresh.id, second.id]);
    expect(ids((await log.search({ entityId }, page.next, 2)).items)).toEqual([first.id]);
    expect(ids((await log.search({ eventId: second.data.eventId }, undefined, 10)).items)).toEqual([second.id]);
  });

  it('lists and searches delivered deliveries without an index of them, pages full', async () => {
    // A prefix of its own, so that the lists hold only these.
    const own = testConfig({ REDIS_PARTITIONS: '2' });
    const ownLog = new DeliveryLog(redis, own, partitionsOf(own));
    try {
      const made: { id: string; status: DeliveryStatus }[] = [];
      for (let i = 0; i < 6; i++) {
        const d = job();
        const status: DeliveryStatus = i % 2 === 0 ? 'delivered' : 'failed';
        await ownLog.recordAttempts([{ ...d, attempt: attempt(1, status as AttemptRecord['outcome']), status, first: true }]);
        made.push({ id: d.id, status });
        await new Promise((r) => setTimeout(r, 2));
      }
      const newest = [...made].reverse();
      const delivered = newest.filter((d) => d.status === 'delivered').map((d) => d.id);
      // The previous release's index of delivered deliveries is no longer read: an id it holds
      // that has moved on is not listed as delivered.
      const stale = newest.find((d) => d.status === 'failed')!.id;
      await redis.zadd(keyOf(own, eventIdOf(stale), 'delivery-index', 'status', 'delivered'), Date.now(), stale);

      const ids = (records: { id: string }[]) => records.map((r) => r.id);
      expect(ids(await ownLog.list({ status: 'delivered' }, 0, 2))).toEqual(delivered.slice(0, 2));
      expect(ids(await ownLog.list({ status: 'delivered' }, 2, 2))).toEqual(delivered.slice(2));
      expect(ids((await ownLog.search({ statuses: ['delivered'] }, undefined, 10)).items)).toEqual(delivered);
      expect(ids((await ownLog.search({ statuses: ['failed', 'delivered'] }, undefined, 10)).items)).toEqual(newest.map((d) => d.id));
      expect(ids(await ownLog.list({ status: 'failed' }, 0, 10))).toEqual(newest.filter((d) => d.status === 'failed').map((d) => d.id));
    } finally {
      await dropKeys(own);
    }
  });

  it('looks at a bounded number of deliveries for a list of delivered ones: an old delivered one behind 2,100 pending is not reached', async () => {
    const own = testConfig({ REDIS_PARTITIONS: '1' });
    const ownLog = new DeliveryLog(redis, own, partitionsOf(own));
    try {
      const ownJob = (uri: string) => {
        const eventId = partitionsOf(own).newId(partitionsOf(own).all[0]);
        return { id: deliveryJobId(eventId, uri), data: { ...job().data, eventId } };
      };
      const delivered = ownJob('http://receiver.example/old');
      await ownLog.recordAttempt(delivered.id, delivered.data, attempt(1, 'delivered'), 'delivered');
      await new Promise((resolve) => setTimeout(resolve, 5));
      const pending = Array.from({ length: 2_100 }, (_, i) => ownJob(`http://receiver.example/${i}`));
      await ownLog.recordQueued(pending);
      expect(await ownLog.list({ status: 'delivered' }, 0, 10)).toEqual([]);
      expect(await ownLog.list({ status: 'pending' }, 0, 1)).toHaveLength(1);
    } finally {
      await dropKeys(own);
    }
  });

  it('lists deliveries of every partition newest first, with offset and limit over the merge', async () => {
    // A prefix of its own, so that the list holds only these.
    const spread = testConfig({ REDIS_PARTITIONS: '8' });
    const partitions = partitionsOf(spread);
    const spreadLog = new DeliveryLog(redis, spread, partitions);
    try {
      const made: string[] = [];
      for (let i = 0; i < 24; i++) {
        // Event ids drawn in a partition each, as the api draws them, three per partition.
        const d = job({ eventId: partitions.newId(partitions.all[i % 8]) });
        await spreadLog.recordQueued([d]);
        made.push(d.id);
        await new Promise((r) => setTimeout(r, 2));
      }
      const newest = [...made].reverse();
      expect((await spreadLog.list({}, 0, 24)).map((r) => r.id)).toEqual(newest);
      expect((await spreadLog.list({}, 5, 7)).map((r) => r.id)).toEqual(newest.slice(5, 12));
      expect((await spreadLog.list({ status: 'pending' }, 20, 10)).map((r) => r.id)).toEqual(newest.slice(20));
      expect((await spreadLog.list({ eventId: eventIdOf(made[9]) }, 0, 10)).map((r) => r.id)).toEqual([made[9]]);
    } finally {
      await dropKeys(spread);
    }
  });

  it('gives every record key a TTL and forgets deliveries past the retention, the sweep trimming the indexes', async () => {
    const d = job();
    await log.recordQueued([d]);
    await record(d, 1, 'retrying');
    const { eventId } = d.data;
    for (const key of [keyOf(config, eventId, 'delivery', d.id), keyOf(config, eventId, 'delivery', d.id, 'attempts')]) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(6 * 24 * 3600 * 1000);
      expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600 * 1000);
    }

    // A log with a short retention on its own prefix, in one partition.
    const shortConfig = testConfig({ REDIS_PARTITIONS: '1' });
    const short = new DeliveryLog(redis, { ...shortConfig, deliveryLogRetentionMs: 300 }, partitionsOf(shortConfig));
    try {
      const old = job();
      await short.recordQueued([old]);
      await short.recordAttempt(old.id, old.data, attempt(1, 'retrying'), 'retrying');
      expect((await short.list({}, 0, 10)).map((r) => r.id)).toEqual([old.id]);
      await waitUntil(async () => (await short.get(old.id)) === null, 5000, 'the record to expire');
      expect(await short.list({}, 0, 10)).toEqual([]);
      expect(await short.list({ status: 'retrying' }, 0, 10)).toEqual([]);

      // The sweep trims the global index entries left behind; writes never do.
      const fresh = job();
      await short.recordAttempt(fresh.id, fresh.data, attempt(1, 'delivered'), 'delivered');
      const index = (...parts: string[]) => keyOf(shortConfig, '', 'delivery-index', ...parts);
      expect(await redis.zcard(index('all'))).toBe(2);
      expect(await redis.zcard(index('owners'))).toBe(4);
      expect(await short.sweep()).toBe(2);
      expect(await redis.zrange(index('all'), 0, -1)).toEqual([`${fresh.id}\0${fresh.data.entity.id}`]);
      // Its event's and its entity's members go with a delivery's entry of `all`.
      const owners = await redis.zrange(index('owners'), 0, -1);
      expect(owners).toHaveLength(2);
      for (const member of owners) expect(member.endsWith(fresh.id)).toBe(true);
      expect(await redis.zcard(index('status', 'retrying'))).toBe(0);
      expect((await short.list({}, 0, 10)).map((r) => r.id)).toEqual([fresh.id]);
    } finally {
      await dropKeys(shortConfig);
    }
  });
});
