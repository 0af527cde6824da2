import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DedicatedRedis, freePort } from './support/dedicated-redis';
import { startApi, startDispatcher, testConfig } from './support/harness';

/** How many times each open endpoint is called, 20 at a time. */
const CALLS = 200;
const AT_ONCE = 20;
const PARTITIONS = 16;

/**
 * Issue 20, finding 8: `/metrics` and `/health` need no key, so their cost to Redis must not
 * grow with how often they are called. Counted on a Redis of the test's own (`INFO
 * commandstats`), so only these two apps' commands are in the counts: a `/metrics` reads the
 * streams' groups (`XINFO`, one per partition) and `/health` writes its probe (`SET`, one per
 * partition) at most once a second per app, whoever calls; `/health/live` asks Redis nothing.
 */
describe('the open endpoints cost Redis a bounded number of commands, whatever the callers do', () => {
  let redis: DedicatedRedis;
  let api: INestApplication;
  let dispatcher: INestApplication;

  beforeAll(async () => {
    redis = new DedicatedRedis(await freePort());
    await redis.start();
    const config = testConfig({ REDIS_URL: redis.url, COUNTERPARTY_MODE: 'manual', REDIS_PARTITIONS: String(PARTITIONS) });
    api = await startApi(config);
    dispatcher = await startDispatcher(config);
  });

  afterAll(async () => {
    await api?.close();
    await dispatcher?.close();
    await redis?.kill('SIGTERM');
  });

  /** Calls of one command (`xinfo|groups` for a subcommand) since the last CONFIG RESETSTAT. */
  const calls = async (command: string): Promise<number> => {
    const stats = await redis.cli('INFO', 'commandstats');
    const line = stats.split('\n').find((l) => l.startsWith(`cmdstat_${command}:`));
    return Number(/calls=(\d+)/.exec(line ?? '')?.[1] ?? 0);
  };

  /**
   * Calls `path` CALLS times on both apps; returns the seconds begun meanwhile (each may
   * refresh the cached reading once per app) and the commands counted.
   */
  const hammer = async (path: string, expected: number, command: string) => {
    await redis.cli('CONFIG', 'RESETSTAT');
    // Past the one-second cache, so the first call reads Redis: a burst that ended within the
    // second of the last reading (the previous test's) counted nothing.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const started = Date.now();
    for (let i = 0; i < CALLS; i += AT_ONCE)
      await Promise.all(
        [api, dispatcher].flatMap((app) => Array.from({ length: AT_ONCE }, () => request(app.getHttpServer()).get(path).expect(expected))),
      );
    const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
    return { seconds, count: await calls(command) };
  };

  it('GET /metrics: at most one read of the streams per second per app, not one per scrape', async () => {
    const { seconds, count } = await hammer('/metrics', 200, 'xinfo|groups');
    // Without the cache: CALLS scrapes x PARTITIONS x 2 apps = 6,400 XINFO.
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(2 * PARTITIONS * seconds);
    expect(count).toBeLessThan(CALLS * PARTITIONS);
  });

  it('GET /health and /health/ready: at most one probe (a SET per partition) per second per app', async () => {
    for (const path of ['/health', '/health/ready']) {
      const { seconds, count } = await hammer(path, 200, 'set');
      expect(count).toBeGreaterThan(0);
      // BullMQ's stalled-job check (a SET in a script, counted too) adds one per queue at most.
      expect(count).toBeLessThanOrEqual(2 * PARTITIONS * seconds + 2 * PARTITIONS);
      expect(count).toBeLessThan(CALLS * PARTITIONS);
    }
  });

  it('GET /health/live asks Redis nothing', async () => {
    // Each probe writes the time into every partition's probe key: unchanged means no probe.
    const probes = async () => {
      const keys = (await redis.cli('--scan', '--pattern', '*:health-probe')).split('\n').filter(Boolean).sort();
      return keys.length ? await redis.cli('MGET', ...keys) : '';
    };
    await request(api.getHttpServer()).get('/health').expect(200);
    const before = await probes();
    expect(before).not.toBe('');
    await hammer('/health/live', 200, 'set');
    expect(await probes()).toBe(before);
  });
});
