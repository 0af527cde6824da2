import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { AppConfig, connectRedis, Partitions } from '@app/platform';
import { StreamEvent } from '@app/events';
import { dropKeys, testConfig } from './support/harness';
import { partitionsOf } from './support/redis-keys';
import { DeliveryJobData, deliveryJobId, DeliveryLanes, DeliveryLog, DeliveryQueues, joinLanes, laneKey } from '@app/delivery';

// The lane store against a real Redis, driven directly: what the commit scripts append (RPUSH
// here), turns, ends of turns (idempotent on a resend), hold, skip, and the log statuses.
describe('DeliveryLanes', () => {
  let config: AppConfig;
  let redis: Redis;
  let partitions: Partitions;
  let log: DeliveryLog;
  let queues: DeliveryQueues;
  let bull: Redis;
  let lanes: DeliveryLanes;

  beforeAll(() => {
    config = testConfig();
    redis = connectRedis(config.redisUrl);
    partitions = partitionsOf(config);
    log = new DeliveryLog(redis, config, partitions);
    bull = connectRedis(config.redisUrl);
    queues = new DeliveryQueues(bull, config, partitions);
    lanes = new DeliveryLanes(redis, partitions, log, queues);
  });

  afterAll(async () => {
    await queues.onApplicationShutdown();
    await dropKeys(config);
    await Promise.all([redis.quit(), bull.quit()]);
  });

  const URI = 'http://receiver.example/ordered';

  /** A lane of `n` deliveries of one object (as the commit scripts leave it), recorded pending. */
  const laneOf = async (n: number, onFailure: 'continue' | 'hold' = 'continue') => {
    const entityId = randomUUID();
    const key = laneKey(partitions, entityId, URI);
    const deliveries = Array.from({ length: n }, (_, i): { id: string; data: DeliveryJobData } => {
      const eventId = partitions.newId(partitions.of(entityId));
      return {
        id: deliveryJobId(eventId, URI),
        data: {
          eventId,
          eventType: 'CallbackReceived',
          entity: { kind: 'callback', id: entityId },
          sequence: i + 1,
          endpoint: { uri: URI },
          lane: { key, onFailure },
        },
      };
    });
    await redis.rpush(key, ...deliveries.map((d) => d.id));
    await log.recordQueued(deliveries);
    return { key, deliveries, entityId };
  };
  const statuses = async (ids: string[]) => Promise.all(ids.map(async (id) => (await log.get(id))!.status));

  it('joins only the ordered endpoints an event matches, in its object partition', () => {
    const entityId = randomUUID();
    const job: StreamEvent = {
      envelope: { id: partitions.newId(partitions.of(entityId)), at: 1, type: 'TransferProcessStarted', payload: {} },
      entity: { kind: 'transferprocess', id: entityId },
      sequence: 3,
      callbackAddresses: [
        { uri: 'https://a.example/1', events: ['transfer.process'], transactional: false, ordered: true, onFailure: 'hold' },
        { uri: 'https://a.example/2', events: ['transfer.process'], transactional: false },
        { uri: 'https://a.example/3', events: ['contract.negotiation'], transactional: false, ordered: true },
      ],
    };
    const { job: stamped, joins } = joinLanes(
      job,
      [{ id: 'S', uri: 'https://s.example', events: ['transfer'], transactional: false, ordered: true }],
      partitions,
    );
    expect(joins.map((j) => j.key)).toEqual([
      laneKey(partitions, entityId, 'https://s.example'),
      laneKey(partitions, entityId, 'https://a.example/1'),
    ]);
    expect(joins.map((j) => j.deliveryId)).toEqual([
      deliveryJobId(job.envelope.id, 'https://s.example'),
      deliveryJobId(job.envelope.id, 'https://a.example/1'),
    ]);
    expect(Object.values(stamped.lanes!)).toEqual(['continue', 'hold']);
    expect(joins.every((j) => j.key.startsWith(`${partitions.of(entityId).tag}:`))).toBe(true);
    // Nothing ordered: the same job, no join.
    const plain = { ...job, callbackAddresses: [job.callbackAddresses[1]] };
    expect(joinLanes(plain, [], partitions)).toEqual({ job: plain, joins: [] });
  });

  it('gives the turn to the head only, and moves it on when the head ends (twice is once)', async () => {
    const { key, deliveries } = await laneOf(3);
    const [a, b, c] = deliveries;
    expect(await Promise.all(deliveries.map((d) => lanes.turn(key, d.id)))).toEqual(['head', 'wait', 'wait']);
    await lanes.ended(a.id, a.data, 'delivered');
    await lanes.ended(a.id, a.data, 'delivered');
    expect(await Promise.all(deliveries.map((d) => lanes.turn(key, d.id)))).toEqual(['gone', 'head', 'wait']);
    // A dead letter of a continue endpoint ends its turn as well.
    await lanes.ended(b.id, b.data, 'failed');
    expect(await lanes.turn(key, c.id)).toBe('head');
    await lanes.ended(c.id, c.data, 'delivered');
    expect(await redis.exists(key)).toBe(0);
  });

  it('holds the lane behind a dead letter of a hold endpoint, marks the waiting ones held, and lets go on skip', async () => {
    const { key, deliveries } = await laneOf(3, 'hold');
    const [a, b, c] = deliveries;
    await lanes.ended(a.id, a.data, 'failed');
    expect(await Promise.all(deliveries.map((d) => lanes.turn(key, d.id)))).toEqual(['head', 'held', 'held']);
    expect(await statuses([b.id, c.id])).toEqual(['held', 'held']);
    expect((await log.list({ entityId: a.data.entity.id, status: 'held' }, 0, 10)).map((d) => d.id).sort()).toEqual([b.id, c.id].sort());
    expect(await lanes.heldCount()).toBe(1);

    // Only the head of a held lane can be skipped.
    expect(await lanes.skip(key, b.id)).toBe(false);
    expect(await lanes.skip(key, a.id)).toBe(true);
    expect(await lanes.skip(key, a.id)).toBe(false);
    expect(await Promise.all(deliveries.map((d) => lanes.turn(key, d.id)))).toEqual(['gone', 'head', 'wait']);
    expect(await statuses([b.id, c.id])).toEqual(['pending', 'pending']);
    expect(await lanes.heldCount()).toBe(0);
  });

  it('lets a held lane go when its dead letter is delivered at last (a retry), and will not skip a lane that is not held', async () => {
    const { key, deliveries } = await laneOf(2, 'hold');
    const [a, b] = deliveries;
    expect(await lanes.skip(key, a.id)).toBe(false);
    await lanes.ended(a.id, a.data, 'failed');
    expect(await statuses([b.id])).toEqual(['held']);
    await lanes.ended(a.id, a.data, 'delivered');
    expect(await lanes.turn(key, b.id)).toBe('head');
    expect(await statuses([b.id])).toEqual(['pending']);
  });
});
