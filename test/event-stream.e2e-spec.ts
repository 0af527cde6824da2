import { INestApplication, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { StreamEvent } from '@app/events';
import { AppConfig, forgetIdleConsumers, connectRedis, STREAM_GROUPS, StreamConsumer, trimAcknowledged } from '@app/platform';
import { StateStore } from '../apps/api/src/state-store/state-store.service';
import { transferProcessEvent } from '../apps/api/src/transfer-processes/transfer-process.events';
import { dropKeys, startDispatcher, testConfig, waitUntil } from './support/harness';
import { Receiver } from './support/receiver';
import { storedTransfer } from './support/stored-transfer';
import { allStreams, partitionsOf } from './support/redis-keys';

/**
 * The event stream is the outbox: committed with the state, read by the dispatchers' consumer
 * group. What a crash can do to it: an event committed while no dispatcher runs waits; one held
 * by a dispatcher that died is claimed by another and delivered (with the same webhook-id);
 * entries every group has acknowledged are trimmed, and no others.
 */
describe('the event stream', () => {
  let config: AppConfig;
  let redis: Redis;
  let receiver: Receiver;
  let dispatcher: INestApplication | undefined;
  let store: StateStore;

  const transfer = () =>
    storedTransfer({ callbackAddresses: [{ uri: `${receiver.url}/events`, events: ['transfer.process'], transactional: false }] });
  /** Commits a transfer and its event as an api would, and returns the event's id. */
  const commit = async () => {
    const tp = transfer();
    const entry = transferProcessEvent(tp, {}, store.newEventId(tp.id));
    expect(await store.create('transferprocess', tp, entry)).toBe(true);
    return entry.envelope.id;
  };
  const stream = () => allStreams(config)[0];
  const received = (eventId: string) => receiver.calls.filter((c) => c.headers['webhook-id'] === eventId).length;

  beforeAll(async () => {
    receiver = await Receiver.start();
    // One partition: one stream to watch (the mechanics are the same on each).
    config = testConfig({ COUNTERPARTY_MODE: 'manual', DISPATCH_LOCK_DURATION_MS: '1000', REDIS_PARTITIONS: '1' });
    redis = connectRedis(config.redisUrl);
    store = new StateStore(redis, partitionsOf(config), config);
  });

  afterEach(async () => {
    await dispatcher?.close();
    dispatcher = undefined;
  });

  afterAll(async () => {
    redis.disconnect();
    await receiver.close();
    await dropKeys(config);
  });

  it('keeps an event committed while no dispatcher has ever run, and the first one delivers it once', async () => {
    const eventId = await commit();
    expect(await redis.xlen(stream())).toBe(1);
    dispatcher = await startDispatcher(config);
    await waitUntil(() => received(eventId) === 1, 10_000, 'the event delivered');
  });

  it('delivers what a dispatcher that died left pending, with the same webhook-id, once claimed', async () => {
    // A consumer that reads entries and dies before acknowledging them (never stops, never acks).
    const dead = new StreamConsumer<StreamEvent>(redis, {
      redisUrl: config.redisUrl,
      keys: [stream()],
      group: STREAM_GROUPS.dispatch,
      room: () => 100,
      take: () => undefined,
      claimIdleMs: 60_000,
      logger: new Logger('dead-consumer'),
    });
    dead.start();
    const ids = [await commit(), await commit(), await commit()];
    await waitUntil(
      async () => Number(((await redis.xpending(stream(), STREAM_GROUPS.dispatch)) as unknown[])[0]) === 3,
      5000,
      'the dead consumer holding 3',
    );
    await dead.stop();

    dispatcher = await startDispatcher(config);
    await waitUntil(() => ids.every((id) => received(id) === 1), 15_000, 'the three delivered by the live dispatcher');
    await waitUntil(
      async () => Number(((await redis.xpending(stream(), STREAM_GROUPS.dispatch)) as unknown[])[0]) === 0,
      5000,
      'nothing pending',
    );

    // The dead consumer holds nothing now, and is forgotten once idle long enough.
    const names = async () => ((await redis.xinfo('CONSUMERS', stream(), STREAM_GROUPS.dispatch)) as string[][]).map((c) => c[1]);
    expect(await names()).toContain(dead.name);
    await forgetIdleConsumers(redis, stream(), STREAM_GROUPS.dispatch, 0);
    expect(await names()).not.toContain(dead.name);
  });

  it('never lets another replica claim what a live one is still delivering, however long the attempt', async () => {
    // Each attempt takes almost twice the claim time (DISPATCH_LOCK_DURATION_MS, 1 s here).
    receiver.respond(() => ({ status: 200, delayMs: 1800 }));
    const other = await startDispatcher(config);
    dispatcher = await startDispatcher(config);
    try {
      const ids = [await commit(), await commit(), await commit(), await commit()];
      await waitUntil(() => ids.every((id) => received(id) >= 1), 15_000, 'the four delivered');
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(ids.map(received)).toEqual([1, 1, 1, 1]);
    } finally {
      receiver.respond(() => ({ status: 200 }));
      await other.close();
    }
  });

  it('trims what every group has acknowledged, and nothing a group has not', async () => {
    dispatcher = await startDispatcher(config);
    const ids = [await commit(), await commit()];
    await waitUntil(() => ids.every((id) => received(id) === 1), 10_000, 'delivered');
    await waitUntil(
      async () => Number(((await redis.xpending(stream(), STREAM_GROUPS.dispatch)) as unknown[])[0]) === 0,
      5000,
      'acknowledged',
    );
    await trimAcknowledged(redis, stream(), [STREAM_GROUPS.dispatch]);
    expect(await redis.xlen(stream())).toBeLessThanOrEqual(1);

    // A second group that has read nothing yet holds every later entry.
    await redis.xgroup('CREATE', stream(), STREAM_GROUPS.simulation, '$');
    const later = await commit();
    await waitUntil(() => received(later) === 1, 10_000, 'delivered');
    await trimAcknowledged(redis, stream(), [STREAM_GROUPS.dispatch]);
    const left = (await redis.xrange(stream(), '-', '+')).map(([, fields]) => JSON.parse(fields[1]).envelope.id);
    expect(left).toContain(later);
    await redis.xgroup('DESTROY', stream(), STREAM_GROUPS.simulation);
  });
});
