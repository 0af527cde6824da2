import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig, connectRedis, ENTRY_FIELD, STREAM_GROUPS, StreamConsumer, StreamEntry } from '@app/platform';
import { dropKeys, testConfig, waitUntil } from './support/harness';
import { allStreams } from './support/redis-keys';

/**
 * One consumer reading several streams with one blocking read (what a dispatcher does on a
 * single Redis): each entry is handed with its stream, acknowledged and released per stream
 * (two streams may hold the same id), and what a consumer that died left pending in any of
 * them is claimed.
 */
describe('a stream consumer of several streams', () => {
  let config: AppConfig;
  let redis: Redis;
  let keys: string[];
  const consumers: StreamConsumer<{ n: number }>[] = [];

  const consumer = (claimIdleMs: number, taken: StreamEntry<{ n: number }>[]) => {
    const c = new StreamConsumer<{ n: number }>(redis, {
      redisUrl: config.redisUrl,
      keys,
      group: STREAM_GROUPS.dispatch,
      room: () => 100,
      take: (entries) => taken.push(...entries),
      claimIdleMs,
      logger: new Logger('stream-consumer-test'),
    });
    consumers.push(c);
    c.start();
    return c;
  };
  const append = (key: string, id: string, n: number) => redis.xadd(key, id, ENTRY_FIELD, JSON.stringify({ n }));
  const pending = async (key: string) => Number(((await redis.xpending(key, STREAM_GROUPS.dispatch)) as unknown[])[0]);

  beforeAll(() => {
    config = testConfig({ REDIS_PARTITIONS: '3' });
    redis = connectRedis(config.redisUrl);
    keys = allStreams(config);
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
    await dropKeys(config);
  });

  afterAll(() => redis.disconnect());

  it('reads every stream, and acknowledges each entry in its own stream', async () => {
    const taken: StreamEntry<{ n: number }>[] = [];
    const c = consumer(60_000, taken);
    // The same id in two streams: two entries.
    await append(keys[0], '5-1', 1);
    await append(keys[1], '5-1', 2);
    await append(keys[2], '7-1', 3);
    await waitUntil(() => taken.length === 3, 5000, 'three entries taken');
    expect(taken.map(({ key, id, data }) => [keys.indexOf(key), id, data.n]).sort()).toEqual([
      [0, '5-1', 1],
      [1, '5-1', 2],
      [2, '7-1', 3],
    ]);

    await c.ack(taken.filter(({ key }) => key !== keys[2]));
    expect(await Promise.all(keys.map(pending))).toEqual([0, 0, 1]);
  });

  it('claims what a consumer that died left pending in any of its streams', async () => {
    const dead = consumer(60_000, []);
    await append(keys[0], '9-1', 1);
    await append(keys[2], '9-1', 2);
    await waitUntil(async () => (await pending(keys[0])) + (await pending(keys[2])) === 2, 5000, 'the dead consumer holding 2');
    await dead.stop();

    const taken: StreamEntry<{ n: number }>[] = [];
    const live = consumer(200, taken);
    await waitUntil(() => taken.length === 2, 5000, 'both claimed by the live consumer');
    expect(taken.map(({ key, data }) => [keys.indexOf(key), data.n]).sort()).toEqual([
      [0, 1],
      [2, 2],
    ]);
    await live.ack(taken);
    expect(await Promise.all(keys.map(pending))).toEqual([0, 0, 0]);
  });
});
