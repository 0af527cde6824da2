import { randomUUID } from 'node:crypto';
import Redis, { Command } from 'ioredis';
import { AppConfig, bullPrefix, connectRedis } from '@app/platform';
import { partitionsOf } from './support/redis-keys';
import { AttemptEntry, AttemptRecord, DeliveryJobData, deliveryJobId, DeliveryLog, DeliveryStatus } from '@app/delivery';
import { dropKeys, testConfig } from './support/harness';

/** A client that notes the name of every command it sends, pipelined ones included. */
function countingClient(config: AppConfig): { redis: Redis; sent: string[] } {
  const redis = connectRedis(config.redisUrl);
  const sent: string[] = [];
  const send = redis.sendCommand as (this: Redis, ...args: unknown[]) => unknown;
  redis.sendCommand = function (this: Redis, command: Command, ...rest: unknown[]) {
    sent.push(command.name);
    return send.call(this, command, ...rest);
  } as Redis['sendCommand'];
  return { redis, sent };
}

// What the delivery log's writes cost, counted on the client (no other client's commands mix
// in, unlike the server-wide INFO commandstats), and that the cheap paths keep its answers.
describe('DeliveryLog write cost', () => {
  let config: AppConfig;
  let counted: { redis: Redis; sent: string[] };
  let log: DeliveryLog;
  let prefix: string;

  beforeAll(async () => {
    // One partition: its tag is the prefix of every key the log writes here.
    config = testConfig({ REDIS_PARTITIONS: '1' });
    prefix = partitionsOf(config).all[0].tag;
    counted = countingClient(config);
    await counted.redis.ping();
    log = new DeliveryLog(counted.redis, config, partitionsOf(config));
  });

  afterAll(async () => {
    await dropKeys(config);
    await counted.redis.quit();
  });

  const job = (over: { eventId?: string; entityId?: string; uri?: string } = {}): { id: string; data: DeliveryJobData } => {
    const eventId = over.eventId ?? randomUUID();
    const uri = over.uri ?? `http://receiver.example/${randomUUID()}`;
    return {
      id: deliveryJobId(eventId, uri),
      data: {
        eventId,
        eventType: 'TransferProcessInitiated',
        entity: { kind: 'transferprocess', id: over.entityId ?? randomUUID() },
        sequence: 1,
        endpoint: { uri, authKey: 'x-auth', authCodeId: 'alias' },
      },
    };
  };

  let clock = Date.now();
  const entry = (d: { id: string; data: DeliveryJobData }, n: number, status: DeliveryStatus, first: boolean): AttemptEntry => {
    const outcome = status as AttemptRecord['outcome'];
    const code = outcome === 'delivered' ? 200 : 500;
    // Each attempt its own start time, as real attempts have.
    const attempt = {
      attempt: n,
      at: ++clock,
      status: code,
      latencyMs: 3,
      ...(code === 200 ? {} : { error: 'HTTP 500' }),
      response: 'body',
      outcome,
    };
    return { ...d, attempt, status, first };
  };

  const measure = async (write: () => Promise<void>): Promise<string[]> => {
    counted.sent.length = 0;
    await write();
    return [...counted.sent];
  };

  it('records a delivery delivered on its first attempt with 4 plain commands, no script', async () => {
    const d = job();
    const sent = await measure(() => log.recordAttempts([entry(d, 1, 'delivered', true)]));
    // ZADD all; ZADD owners (its event's and its entity's member); HSET+PEXPIRE record; no
    // status index for `delivered`.
    expect(sent).toEqual(['zadd', 'zadd', 'hset', 'pexpire']);
    expect(await counted.redis.exists(`${prefix}:delivery-index:status:delivered`)).toBe(0);

    const found = await log.get(d.id);
    expect(found).toEqual({
      id: d.id,
      eventId: d.data.eventId,
      eventType: 'TransferProcessInitiated',
      entity: d.data.entity,
      endpoint: { uri: d.data.endpoint.uri },
      status: 'delivered',
      series: 1,
      createdAt: expect.any(Number),
      updatedAt: expect.any(Number),
      attempts: [{ series: 1, attempt: 1, at: expect.any(Number), status: 200, latencyMs: 3, response: 'body', outcome: 'delivered' }],
    });
    for (const filter of [
      {},
      { status: 'delivered' as const },
      { eventId: d.data.eventId },
      { entityId: d.data.entity.id },
      { eventId: d.data.eventId, status: 'delivered' as const },
    ])
      expect((await log.list(filter, 0, 10)).map((r) => r.id)).toContain(d.id);
    expect(await log.list({ status: 'pending' }, 0, 10)).toEqual([]);

    // The record expires (the indexes are swept); the only attempt sits in it, no list yet.
    const ttl = await counted.redis.pttl(`${prefix}:delivery:${d.id}`);
    expect(ttl).toBeGreaterThan(config.deliveryLogRetentionMs - 60_000);
    expect(ttl).toBeLessThanOrEqual(config.deliveryLogRetentionMs);
    expect(await counted.redis.exists(`${prefix}:delivery:${d.id}:attempts`)).toBe(0);
  });

  it('writes a batch with one index write for all, the owners and each status', async () => {
    const eventId = randomUUID();
    const entityId = randomUUID();
    const batch = Array.from({ length: 10 }, (_, i) => entry(job({ eventId, entityId }), 1, i < 8 ? 'delivered' : 'retrying', true));
    const sent = await measure(() => log.recordAttempts(batch));
    // 1 all + 1 owners + 10 × (HSET + PEXPIRE) + 1 status (retrying) = 23, 2.3 a delivery.
    expect(sent).toHaveLength(23);
    expect(sent.filter((name) => name === 'hset')).toHaveLength(10);
    expect((await log.list({ eventId }, 0, 100)).map((r) => r.id).sort()).toEqual(batch.map((e) => e.id).sort());
    expect(await log.list({ entityId, status: 'retrying' }, 0, 100)).toHaveLength(2);
  });

  it('moves the first attempt into the list with the second, and opens a new series after a failure', async () => {
    const d = job();
    await log.recordAttempts([entry(d, 1, 'retrying', true)]);
    // A later attempt and another delivery's first one, in the same round trip.
    const other = job();
    await log.recordAttempts([entry(d, 2, 'failed', false), entry(other, 1, 'delivered', true)]);
    expect((await log.get(other.id))!.status).toBe('delivered');
    expect(await counted.redis.hexists(`${prefix}:delivery:${d.id}`, 'attempt')).toBe(0);
    expect(await counted.redis.llen(`${prefix}:delivery:${d.id}:attempts`)).toBe(2);

    // The dead letter retried: its next first attempt is not `first` for the log.
    await log.recordAttempt(d.id, d.data, entry(d, 1, 'delivered', false).attempt, 'delivered');
    const found = (await log.get(d.id))!;
    expect(found).toMatchObject({ status: 'delivered', series: 2 });
    expect(found.attempts.map((a) => [a.series, a.attempt, a.outcome])).toEqual([
      [1, 1, 'retrying'],
      [1, 2, 'failed'],
      [2, 1, 'delivered'],
    ]);
    expect(await log.list({ entityId: d.data.entity.id, status: 'failed' }, 0, 10)).toEqual([]);
    expect((await log.list({ entityId: d.data.entity.id, status: 'delivered' }, 0, 10)).map((r) => r.id)).toEqual([d.id]);
  });

  it('costs one script call for a later attempt', async () => {
    const d = job();
    await log.recordAttempts([entry(d, 1, 'retrying', true)]);
    await log.recordAttempts([entry(d, 2, 'retrying', false)]);
    expect(await measure(() => log.recordAttempts([entry(d, 3, 'delivered', false)]))).toEqual(['evalsha']);
  });

  it('changes nothing when the same attempt is written again (a resend after a dropped connection)', async () => {
    const d = job();
    const first = entry(d, 1, 'retrying', true);
    await log.recordAttempts([first]);
    await log.recordAttempts([first]);
    const failed = entry(d, 2, 'failed', false);
    await log.recordAttempts([failed]);
    await log.recordAttempts([failed]);
    const found = (await log.get(d.id))!;
    expect(found).toMatchObject({ status: 'failed', series: 1 });
    expect(found.attempts.map((a) => [a.series, a.attempt])).toEqual([
      [1, 1],
      [1, 2],
    ]);
  });

  it('completes a first write cut short when the attempt is recorded again', async () => {
    const d = job();
    await log.recordAttempts([entry(d, 1, 'retrying', true)]);
    // What a connection dropped before the last command leaves: no status index entry.
    await counted.redis.zrem(`${prefix}:delivery-index:status:retrying`, d.id);
    await log.recordAttempts([entry(d, 1, 'retrying', false)]);
    expect((await log.list({ status: 'retrying' }, 0, 1000)).map((r) => r.id)).toContain(d.id);
  });
});

describe('DeliveryLog sweep', () => {
  let config: AppConfig;
  let redis: Redis;

  beforeAll(() => {
    config = testConfig({ REDIS_PARTITIONS: '1' });
    redis = connectRedis(config.redisUrl);
  });

  afterAll(async () => {
    await dropKeys(config);
    await redis.quit();
  });

  it('trims the global indexes past the retention, in chunks, once a minute across replicas', async () => {
    const prefix = partitionsOf(config).all[0].tag;
    // Two replicas' logs on one keyspace.
    const [one, two] = [new DeliveryLog(redis, config, partitionsOf(config)), new DeliveryLog(redis, config, partitionsOf(config))];
    const eventId = randomUUID();
    const fresh = {
      id: deliveryJobId(eventId, 'http://receiver.example/'),
      data: {
        eventId,
        eventType: 'TransferProcessInitiated' as const,
        entity: { kind: 'transferprocess' as const, id: randomUUID() },
        sequence: 1,
        endpoint: { uri: 'http://receiver.example/' },
      },
    };
    await one.recordAttempts([
      {
        ...fresh,
        attempt: { attempt: 1, at: Date.now(), status: 200, latencyMs: 1, outcome: 'delivered' },
        status: 'delivered',
        first: true,
      },
    ]);
    // Entries of long ago: more than one chunk in `all`, a few in a status index.
    const old = Array.from({ length: 10_050 }, (_, i) => [i + 1, `old-${i}`]).flat();
    await redis.zadd(`${prefix}:delivery-index:all`, ...old);
    await redis.zadd(`${prefix}:delivery-index:status:failed`, 1, 'old-0', 2, 'old-1', 3, 'old-2');
    // The previous release's index of delivered deliveries, which this one no longer writes.
    await redis.zadd(`${prefix}:delivery-index:status:delivered`, 4, 'old-3');

    expect(await one.sweep()).toBe(10_054);
    expect(await two.sweep()).toBeNull();
    // Entries of the previous release are bare ids; this release's name the entity too.
    expect(await redis.zrange(`${prefix}:delivery-index:all`, 0, -1)).toEqual([`${fresh.id}\0${fresh.data.entity.id}`]);
    expect(await redis.zcard(`${prefix}:delivery-index:status:failed`)).toBe(0);
    expect(await redis.exists(`${prefix}:delivery-index:status:delivered`)).toBe(0);
    const lock = await redis.pttl(`${bullPrefix(config)}:delivery-index:sweep`);
    expect(lock).toBeGreaterThan(50_000);
    expect(lock).toBeLessThanOrEqual(60_000);
  });
});
