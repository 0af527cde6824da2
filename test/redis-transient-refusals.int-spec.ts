/**
 * Redis refusing for a moment, at the two places where the product meets it outside a request:
 * a BullMQ worker fetching jobs, and a process starting. Each runs against a redis-server of its
 * own, so that making it refuse touches no other test.
 */
import { Logger } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { assertRedisReachable, createWorker, FETCH_ERROR_PAUSE_MS, RedisUnavailableError } from '@app/platform';
import { DedicatedRedis, freePort } from './support/dedicated-redis';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a worker whose fetches Redis refuses (out of memory)', () => {
  let redis: DedicatedRedis;
  let connection: Redis;
  let queue: Queue;
  let worker: Worker | undefined;

  beforeAll(async () => {
    redis = new DedicatedRedis(await freePort());
    await redis.start();
    connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('paced', { connection, prefix: 'transient-refusals' });
  });

  afterAll(async () => {
    await worker?.close();
    await queue.close();
    connection.disconnect();
    await redis.kill();
  });

  it('asks again only after a pause, and takes the jobs once memory is back', async () => {
    const errors: string[] = [];
    const done: number[] = [];
    // Its stalled-job check runs now and not again during the test (BullMQ's own pause after a
    // refused check is a timer that close() does not cancel).
    worker = createWorker(
      { connection, prefix: 'transient-refusals', logger: new Logger('test'), lockDurationMs: 60_000 },
      'paced',
      async (job) => void done.push(job.data.i),
      { concurrency: 5 },
    );
    worker.on('error', (err) => errors.push(err.message));
    await worker.waitUntilReady();
    await sleep(300);
    // Due in a second, when memory has run out: fetching them is refused.
    await queue.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'job', data: { i }, opts: { delay: 1000 } })));
    await redis.cli('CONFIG', 'SET', 'maxmemory', '1');
    const refusedForMs = 2500;
    await sleep(refusedForMs);
    const errorsWhileRefused = errors.length;
    await redis.cli('CONFIG', 'SET', 'maxmemory', '0');
    for (let waited = 0; done.length < 5 && waited < 10_000; waited += 50) await sleep(50);

    // BullMQ alone asks again at once (12 times here; some 290 times a second per queue in the
    // fault harness, where jobs were waiting).
    expect(errors.some((e) => e.startsWith('OOM'))).toBe(true);
    expect(errorsWhileRefused).toBeLessThanOrEqual(refusedForMs / FETCH_ERROR_PAUSE_MS + 2);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('a process starting while Redis is briefly away', () => {
  let redis: DedicatedRedis;

  beforeAll(async () => (redis = new DedicatedRedis(await freePort())));
  afterAll(() => redis.kill());

  it('waits for it within the start-up deadline instead of exiting', async () => {
    const starting = assertRedisReachable(redis.url, 5000);
    await sleep(500);
    await redis.start();
    await expect(starting).resolves.toBeUndefined();
  });

  it('still stops with one sentence when Redis stays away', async () => {
    await redis.kill();
    const startedAt = Date.now();
    await expect(assertRedisReachable(redis.url, 1000)).rejects.toBeInstanceOf(RedisUnavailableError);
    expect(Date.now() - startedAt).toBeLessThan(5000);
  });
});
