import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';

import Redis from 'ioredis';
import { AppConfig, partitionKey, REDIS, secretsKey, STREAM_GROUPS } from '@app/platform';
import { DeliveryEndpoint, deliveryJobId, DeliveryLog, EventBodyStore } from '@app/delivery';
import { DedicatedRedis, freePort } from './support/dedicated-redis';
import {
  apiClient,
  dropKeys,
  Stack,
  startApi,
  startDispatcher,
  startStack,
  testConfig,
  testEnv,
  transferRequest,
  waitUntil,
  openDeliveryQueues,
} from './support/harness';
import { TestDeliveryQueues } from './support/delivery-queues';
import { AppProcess, jsonLines, spawnApp, stopApp } from './support/processes';
import { Receiver } from './support/receiver';
import { keyOf, partitionsOf, streamOf } from './support/redis-keys';

/**
 * Issue 10, item 1 (dispatcher) and item 16 (the dispatcher's errors reach the log): when our
 * store fails, a delivery is tried again later without using one of its attempts, and an event
 * whose first attempts cannot be recorded stays pending in the stream until they can be, so no
 * accepted event stops being retried because Redis refused a write.
 */

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('a failure on our side does not use up attempts (a key of the wrong type makes Redis refuse)', () => {
  let stack: Stack;
  let config: AppConfig;
  let receiver: Receiver;
  let redis: Redis;
  let deliveries: TestDeliveryQueues;

  beforeAll(async () => {
    // One attempt per delivery: a failure on our side that counted would dead-letter it.
    stack = await startStack(() => ({
      COUNTERPARTY_MODE: 'manual',
      DISPATCH_MAX_ATTEMPTS: '1',
      DISPATCH_BACKOFF_MS: '20',
      DISPATCH_BACKOFF_MAX_MS: '200',
      EDC_VAULT_SECRETS: 'alias:value',
    }));
    ({ config, receiver } = stack);
    redis = stack.dispatcher.get<Redis>(REDIS);
    deliveries = openDeliveryQueues(config);
  });

  afterAll(async () => {
    await deliveries?.close();
    await stack?.stop();
  });

  /** Queues a delivery as the fan-out does; `hold: false` leaves the body out of the store. */
  async function enqueue(
    endpoint: DeliveryEndpoint,
    { hold = true, eventId = randomUUID() } = {},
  ): Promise<{ id: string; eventId: string; body: string }> {
    const id = deliveryJobId(eventId, endpoint.uri);
    const entity = { kind: 'transferprocess' as const, id: randomUUID() };
    const body = JSON.stringify({
      id: eventId,
      at: Date.now(),
      type: 'TransferProcessInitiated',
      payload: { transferProcessId: entity.id },
    });
    if (hold) await stack.dispatcher.get(EventBodyStore).hold(eventId, body, [id]);
    await deliveries.add(
      'TransferProcessInitiated',
      { eventId, eventType: 'TransferProcessInitiated', entity, sequence: 1, endpoint },
      {
        jobId: id,
        attempts: config.dispatch.maxAttempts,
        backoff: { type: 'callback' },
      },
    );
    return { id, eventId, body };
  }

  const job = async (id: string) => (await deliveries.getJob(id))!;
  const completed = (id: string) => waitUntil(async () => (await deliveries.getJobState(id)) === 'completed', 10_000, `${id} completed`);
  /** Until the job has been taken `runs` times, none of which counted. */
  const parked = (id: string, runs: number) =>
    waitUntil(
      async () => {
        const j = await job(id);
        expect(j.attemptsMade).toBe(0);
        expect(await deliveries.getJobState(id)).not.toBe('failed');
        return j.attemptsStarted >= runs;
      },
      10_000,
      `${id} run ${runs} times`,
    );

  it('an attempt that cannot be recorded is made again, without counting, until it can be', async () => {
    const uri = `${receiver.url}/unrecorded`;
    const eventId = randomUUID();
    const record = keyOf(config, eventId, 'delivery', deliveryJobId(eventId, uri));
    await redis.set(record, 'not a hash');
    const { id } = await enqueue({ uri }, { eventId });
    await receiver.waitFor(() => receiver.callsTo('/unrecorded').length >= 2);
    await parked(id, 2);

    await redis.del(record);
    await completed(id);
    expect((await job(id)).attemptsMade).toBe(1);
    const logged = await stack.dispatcher.get(DeliveryLog).get(id);
    expect(logged).toMatchObject({
      status: 'delivered',
      attempts: [expect.objectContaining({ attempt: 1, status: 200, outcome: 'delivered' })],
    });
  });

  it('a delivery whose body cannot be read sends nothing and waits, without counting', async () => {
    const uri = `${receiver.url}/unreadable-body`;
    const { id, eventId, body } = await enqueue({ uri }, { hold: false });
    await redis.set(keyOf(config, eventId, 'event-body', eventId), 'not a hash');
    await parked(id, 3);
    expect(receiver.callsTo('/unreadable-body')).toHaveLength(0);

    // Replaced in one transaction: a run between a DEL and a hold would find the body gone.
    const key = keyOf(config, eventId, 'event-body', eventId);
    await redis.multi().del(key).hset(key, 'body', body, id, '1').exec();
    await completed(id);
    expect((await job(id)).attemptsMade).toBe(1);
    expect(receiver.callsTo('/unreadable-body')[0].body).toBe(body);
  });

  it('a delivery whose secret cannot be read sends nothing and waits, without counting', async () => {
    await redis.set(secretsKey(config), 'not a hash');
    const { id } = await enqueue({ uri: `${receiver.url}/unreadable-secret`, authCodeId: 'alias' });
    await parked(id, 3);
    expect(receiver.callsTo('/unreadable-secret')).toHaveLength(0);

    await redis.del(secretsKey(config));
    await completed(id);
    expect(receiver.callsTo('/unreadable-secret')[0].headers.authorization).toBe('value');
  });

  it('an event whose first attempt cannot be recorded stays pending in the stream until it can be, and is then acknowledged', async () => {
    // Every partition's index of all deliveries: the new transfer's is one of them.
    const indexes = partitionsOf(config).all.map((p) => partitionKey(p, 'delivery-index', 'all'));
    const saved = await Promise.all(indexes.map((index) => redis.dumpBuffer(index)));
    for (const index of indexes) {
      await redis.del(index);
      await redis.set(index, 'not a sorted set');
    }
    const created = await apiClient(() => stack.api).post(
      '/management/v3/transferprocesses',
      transferRequest({ callbackAddresses: [{ uri: `${receiver.url}/unrecorded-first`, events: ['transfer.process'] }] }),
    );
    expect(created.status).toBe(200);
    await receiver.waitFor(() => receiver.callsTo('/unrecorded-first').length === 1);
    await sleep(1500);
    const stream = streamOf(config, created.body['@id']);
    const pending = async () => Number(((await redis.xpending(stream, STREAM_GROUPS.dispatch)) as unknown[])[0]);
    expect(await pending()).toBe(1);

    for (const [i, index] of indexes.entries()) {
      await redis.del(index);
      if (saved[i]) await redis.restore(index, 0, saved[i]);
    }
    await waitUntil(async () => (await pending()) === 0, 5000, 'the entry acknowledged');
    const [logged] = (await apiClient(() => stack.api).get(`/management/v1/deliveries?entityId=${created.body['@id']}`)).body;
    expect(logged).toMatchObject({ status: 'delivered', attempts: [expect.objectContaining({ attempt: 1, status: 200 })] });
    // Sent once: the write was tried again, not the attempt.
    expect(receiver.callsTo('/unrecorded-first')).toHaveLength(1);
  });
});

describe('Redis out of memory under the dispatcher (a Redis of its own)', () => {
  const EVENTS = 5;
  let redis: DedicatedRedis;
  let receiver: Receiver;
  let config: AppConfig;
  let api: INestApplication;
  let dispatcher: INestApplication | undefined;
  let memoryBackAt = 0;

  beforeAll(async () => {
    redis = new DedicatedRedis(await freePort());
    await redis.start();
    receiver = await Receiver.start();
    config = testConfig({ REDIS_URL: redis.url, COUNTERPARTY_MODE: 'manual', DISPATCH_BACKOFF_MS: '50', DISPATCH_BACKOFF_MAX_MS: '500' });
    api = await startApi(config);
  });

  afterAll(async () => {
    await redis?.cli('CONFIG', 'SET', 'maxmemory', '0');
    // A stall check that Redis refused makes BullMQ wait 5 s on a timer that closing a worker
    // does not clear: let those run out, so that nothing is left running after the tests.
    await sleep(Math.max(0, memoryBackAt + 5500 - Date.now()));
    await dispatcher?.close();
    await api?.close();
    await receiver?.close();
    await redis?.kill('SIGTERM');
  });

  it('events accepted before memory ran out are delivered, each once, and recorded once memory is back', async () => {
    const assetId = 'a'.repeat(200_000);
    const callbackAddresses = [`${receiver.url}/oom/1`, `${receiver.url}/oom/2`].map((uri) => ({ uri, events: ['transfer.process'] }));
    for (let i = 0; i < EVENTS; i++) {
      const res = await apiClient(() => api).post('/management/v3/transferprocesses', transferRequest({ callbackAddresses, assetId }));
      expect(res.status).toBe(200);
    }

    await redis.cli('CONFIG', 'SET', 'maxmemory', '1');
    dispatcher = await startDispatcher(config);
    await sleep(2000);
    const pending = async () =>
      Number(
        ((await apiClient(() => api).get('/metrics')).text.match(
          /callback_event_stream_entries\{group="dispatch",state="pending"[^}]*\} (\d+)/,
        ) ?? [])[1] ?? 0,
      );
    await redis.cli('CONFIG', 'SET', 'maxmemory', '0');
    memoryBackAt = Date.now();
    await receiver.waitFor((calls) => calls.length >= 2 * EVENTS, 30_000);
    await waitUntil(async () => (await pending()) === 0, 10_000, 'every event acknowledged');
    await sleep(300);
    expect(receiver.calls).toHaveLength(2 * EVENTS);
    expect(new Set(receiver.calls.map((c) => `${c.path} ${c.json.id}`)).size).toBe(2 * EVENTS);
    const logged = (await apiClient(() => api).get('/management/v1/deliveries?status=delivered&limit=100')).body;
    expect(logged).toHaveLength(2 * EVENTS);
  }, 90_000);
});

describe('an attempt made while Redis briefly refuses writes (a Redis of its own)', () => {
  const LOCK_MS = 4000;
  let redis: DedicatedRedis;
  let admin: Redis;
  let receiver: Receiver;
  let config: AppConfig;
  let api: INestApplication;
  let dispatcher: INestApplication;
  let memoryBackAt = 0;

  beforeAll(async () => {
    redis = new DedicatedRedis(await freePort());
    await redis.start();
    admin = new Redis(redis.url);
    // Two attempts fail, so the delivery is a job with attempts on record; while its third is
    // answered 200, Redis refuses writes for a second, so its record cannot be written at once.
    // (A second attempt's record would go through: the script's first write there, an HDEL,
    // is one that Redis lets a script make out of memory, and the rest of the script follows.)
    let calls = 0;
    receiver = await Receiver.start(() => {
      calls++;
      if (calls <= 2) return { status: 500 };
      if (calls === 3) {
        void admin.config('SET', 'maxmemory', '1');
        setTimeout(() => {
          void admin.config('SET', 'maxmemory', '0');
          memoryBackAt = Date.now();
        }, 1000);
        return { status: 200, delayMs: 100 };
      }
      return { status: 200 };
    });
    config = testConfig({
      REDIS_URL: redis.url,
      COUNTERPARTY_MODE: 'manual',
      DISPATCH_BACKOFF_MS: '100',
      DISPATCH_BACKOFF_MAX_MS: '200',
      DISPATCH_LOCK_DURATION_MS: String(LOCK_MS),
    });
    api = await startApi(config);
    dispatcher = await startDispatcher(config);
  });

  afterAll(async () => {
    await admin?.config('SET', 'maxmemory', '0');
    // BullMQ's own 5 s pause after a refused stall check (see above) runs out first.
    await sleep(Math.max(0, memoryBackAt + 5500 - Date.now()));
    await dispatcher?.close();
    await api?.close();
    await receiver?.close();
    admin?.disconnect();
    await redis?.kill('SIGTERM');
  });

  it('records it once memory is back instead of making it again: the receiver gets it once', async () => {
    const created = await apiClient(() => api).post(
      '/management/v3/transferprocesses',
      transferRequest({ callbackAddresses: [{ uri: `${receiver.url}/brief-oom`, events: ['transfer.process'] }] }),
    );
    expect(created.status).toBe(200);
    const delivered = async () =>
      (await apiClient(() => api).get(`/management/v1/deliveries?entityId=${created.body['@id']}`)).body[0]?.status === 'delivered';
    await waitUntil(delivered, 15_000, 'the delivery recorded as delivered');
    // A parked job would have been run again once its lock ran out and a stall check found it.
    await sleep(2 * LOCK_MS + 1000);
    expect(receiver.calls).toHaveLength(3);
  }, 40_000);
});

describe("the event stream reader's and the workers' errors", () => {
  let redis: DedicatedRedis;
  let env: NodeJS.ProcessEnv;
  let dispatcher: AppProcess | undefined;

  beforeAll(async () => {
    redis = new DedicatedRedis(await freePort());
    await redis.start();
    env = testEnv({ REDIS_URL: redis.url, LOG_FORMAT: 'json', LOG_LEVEL: 'warn', DISPATCHER_PORT: '0' });
    dispatcher = await spawnApp('dispatcher', env);
  });

  afterAll(async () => {
    if (redis && !redis.running) await redis.start();
    await stopApp(dispatcher);
    if (redis) await dropKeys(testConfig({ ...(env as Record<string, string>) }));
    await redis?.kill('SIGTERM');
  });

  it('reach the log as JSON lines, like every other line, when its connection fails', async () => {
    await redis.kill('SIGKILL');
    const readerErrors = () =>
      jsonLines(dispatcher!.output()).filter((line) => line.context === 'EventDispatcher' && String(line.msg).startsWith('Event stream'));
    await waitUntil(() => readerErrors().length > 0, 10_000, "a log line for the event stream reader's error");
    expect(readerErrors()[0].level).toBe(40);
    // The deliveries queues' workers too (issue 10, item 16: a worker without an error listener
    // wrote its errors past the log).
    const workerErrors = () => jsonLines(dispatcher!.output()).filter((line) => String(line.msg).startsWith('Worker error (deliveries.p'));
    await waitUntil(() => workerErrors().length > 0, 10_000, "a log line for a worker's error");
    expect(workerErrors()[0].level).toBe(40);
    expect(dispatcher!.child.exitCode).toBeNull();
  });
});
