import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AppConfig } from '@app/platform';
import { DedicatedRedis, freePort } from './support/dedicated-redis';
import { startApi, startDispatcher, testConfig } from './support/harness';

/** How soon after Redis dies `/health` must say so. */
const DOWN_WITHIN_MS = 5000;
/** Longest wait for one `/health` answer while polling (a hanging check counts as not yet 503). */
const REQUEST_TIMEOUT_MS = 1000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * How long after Redis is back before the apps are closed. BullMQ reconnects its connections at
 * least a second apart (more after a longer outage), and a worker closed while its connections
 * are still reconnecting never finishes closing (seen with bullmq 5.81); /health is back before
 * they are, since it asks the app's own connection.
 */
const RECONNECT_SETTLE_MS = 3000;

/** Closes an app, but gives up after `ms` so a hung shutdown cannot hang the test run. */
async function closeWithin(app: INestApplication | undefined, ms: number, name: string): Promise<void> {
  if (!app) return;
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  const result = await Promise.race([app.close().then(() => 'closed' as const), gaveUp]);
  clearTimeout(timer);
  if (result === 'timeout') console.warn(`${name} did not close within ${ms} ms`);
}

describe('GET /health on api and dispatcher, against a Redis that dies', () => {
  let redis: DedicatedRedis;
  let config: AppConfig;
  let api: INestApplication;
  let dispatcher: INestApplication;
  const apps = () => [
    { name: 'api', app: api },
    { name: 'dispatcher', app: dispatcher },
  ];

  /** One `/health` answer's status, or 0 when none came within REQUEST_TIMEOUT_MS. */
  const healthStatus = async (app: INestApplication): Promise<number> => {
    try {
      return (await request(app.getHttpServer()).get('/health').timeout(REQUEST_TIMEOUT_MS)).status;
    } catch {
      return 0;
    }
  };

  /** Polls both apps until each has answered `status`; returns how long each took (ms). */
  const waitForHealth = async (status: number, withinMs: number): Promise<Record<string, number>> => {
    const started = Date.now();
    const took: Record<string, number> = {};
    const last: Record<string, number> = {};
    await Promise.all(
      apps().map(async ({ name, app }) => {
        while (Date.now() - started <= withinMs) {
          last[name] = await healthStatus(app);
          if (last[name] === status) {
            took[name] = Date.now() - started;
            return;
          }
          await sleep(100);
        }
      }),
    );
    const late = apps().filter(({ name }) => took[name] === undefined);
    if (late.length > 0) {
      const seen = late.map(({ name }) => `${name} last answered ${last[name] === 0 ? 'nothing (timed out)' : last[name]}`).join(', ');
      throw new Error(`/health did not answer ${status} within ${withinMs} ms: ${seen}`);
    }
    return took;
  };

  beforeAll(async () => {
    redis = new DedicatedRedis(await freePort());
    await redis.start();
    config = testConfig({ REDIS_URL: redis.url, COUNTERPARTY_MODE: 'manual' });
    api = await startApi(config);
    dispatcher = await startDispatcher(config);
  });

  afterAll(async () => {
    // A client of a dead Redis may never finish closing: bring Redis back (same port) first.
    if (redis && !redis.running) await redis.start().catch((err) => console.warn(String(err)));
    if (redis?.running) await sleep(Math.max(0, redis.startedAt + RECONNECT_SETTLE_MS - Date.now()));
    await closeWithin(api, 10_000, 'api');
    await closeWithin(dispatcher, 10_000, 'dispatcher');
    await redis?.kill('SIGTERM');
  });

  it('answers 200 on both apps, without an API key, while Redis is up', async () => {
    for (const { app } of apps()) {
      const res = await request(app.getHttpServer()).get('/health').expect(200);
      expect(res.body).toEqual(expect.objectContaining({ status: 'UP' }));
    }
  });

  it(`answers 503 on both apps within ${DOWN_WITHIN_MS} ms of Redis being killed`, async () => {
    await redis.kill('SIGKILL');
    const took = await waitForHealth(503, DOWN_WITHIN_MS);
    expect(Object.keys(took).sort()).toEqual(['api', 'dispatcher']);
    // Still down: every check answers 503 (not a stale 200, not a hang).
    for (const { app } of apps()) expect(await healthStatus(app)).toBe(503);
    // Readiness says so too; liveness does not depend on Redis, so no pod is restarted for it.
    for (const { app } of apps()) {
      const ready = await request(app.getHttpServer()).get('/health/ready').timeout(REQUEST_TIMEOUT_MS);
      expect([ready.status, ready.body.reason]).toEqual([503, 'Redis is not reachable']);
      await request(app.getHttpServer()).get('/health/live').timeout(REQUEST_TIMEOUT_MS).expect(200);
    }
  });

  it('answers 200 again once Redis is back on the same port', async () => {
    if (!redis.running) await redis.start();
    await waitForHealth(200, 10_000);
  });
});
