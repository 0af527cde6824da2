import request from 'supertest';
import Redis from 'ioredis';
import { REDIS, RedisProbe } from '@app/platform';
import { apiClient, Stack, startStack, transferRequest, waitUntil } from './support/harness';

/** How long the receiver holds its reply: the dispatcher drains for about this long. */
const HELD_REPLY_MS = 3000;

/**
 * `/health/live` and `/health/ready` mean what Kubernetes means (issue 21, item 2; issue 20,
 * finding 3): liveness is the process answering, whatever Redis does; readiness is Redis
 * writable, workers started and not draining; a busy process does not report Redis down.
 * (Redis dying: test/health.e2e-spec.ts.)
 */
describe('/health/live and /health/ready', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(
      () => ({ COUNTERPARTY_MODE: 'manual' }),
      (call) => (call.path === '/slow' ? { status: 200, delayMs: HELD_REPLY_MS } : { status: 200 }),
    );
  });

  afterAll(() => stack?.stop());

  it('both answer 200 on both apps, without the API key, once started', async () => {
    for (const app of [stack.api, stack.dispatcher]) {
      for (const path of ['/health/live', '/health/ready', '/health'])
        expect((await request(app.getHttpServer()).get(path).expect(200)).body).toEqual({ status: 'UP' });
    }
  });

  it('a process whose event loop was held while the probe was out still finds Redis writable', async () => {
    const probe = stack.api.get(RedisProbe);
    // Past the interval of the last verdict, so this call makes a probe of its own.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const verdict = probe.problem();
    const until = Date.now() + 2500; // the event loop held past the 1 s deadline, as a heavy request does
    while (Date.now() < until);
    expect(await verdict).toBeNull();
  });

  it('is not ready while its connection comes back, whatever the probe before the drop found', async () => {
    const probe = stack.api.get(RedisProbe);
    const redis = stack.api.get<Redis>(REDIS);
    expect(await probe.problem()).toBeNull();
    // Connected again, ioredis' ready check not yet answered: a command would still fail.
    const whileConnecting = new Promise((resolve) => redis.once('connect', () => resolve(probe.problem())));
    redis.disconnect(true);
    expect(await whileConnecting).toBe('Redis is not reachable');
    await waitUntil(async () => (await probe.problem()) === null, 5000, 'ready again');
  });

  it('the dispatcher is not ready while it drains after a stop, and still live', async () => {
    await apiClient(() => stack.api)
      .post(
        '/management/v3/transferprocesses',
        transferRequest({ callbackAddresses: [{ uri: `${stack.receiver.url}/slow`, events: ['transfer.process'] }] }),
      )
      .expect(200);
    await stack.receiver.waitFor((calls) => calls.some((c) => c.path === '/slow'));
    const http = stack.dispatcher.getHttpServer();
    const closing = stack.dispatcher.close();
    try {
      const ready = await request(http).get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'DOWN', reason: expect.stringContaining('draining') });
      await request(http).get('/health/live').expect(200);
    } finally {
      await closing;
    }
    // The drain finished the delivery in flight before the dispatcher closed.
    await waitUntil(() => stack.receiver.calls.filter((c) => c.path === '/slow').length === 1, 1000, 'the one delivery');
  });
});
