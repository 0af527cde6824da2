import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import Redis from 'ioredis';
import { AppConfig, REDIS } from '@app/platform';
import { ConcurrentWrite } from '../apps/api/src/domain/domain-errors';
import { StateStore } from '../apps/api/src/state-store/state-store.service';
import { TransferProcess } from '../apps/api/src/transfer-processes/transfer-process';
import { transferProcessEvent } from '../apps/api/src/transfer-processes/transfer-process.events';
import { TransferProcessesService } from '../apps/api/src/transfer-processes/transfer-processes.service';
import { DedicatedRedis, freePort } from './support/dedicated-redis';
import { API_KEY, dropKeys, startApi, startDispatcher, testConfig, transferRequest, waitUntil } from './support/harness';
import { Receiver } from './support/receiver';
import { storedTransfer } from './support/stored-transfer';
import { keyOf, streamOf } from './support/redis-keys';

/**
 * Redis trouble on the api's request path (issue 10, items 1–3 and the simulated step):
 * a write resent after a dropped connection answers what the first run did; a Redis that is
 * down or out of memory gets a fast 503 with Retry-After, never a 500 or a hang; /health
 * says so; and lost write races fail a simulated step instead of dropping it.
 */

const TRANSFERS = '/management/v3/transferprocesses';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const transfer = storedTransfer;

describe('a write resent after a dropped connection (the same script run twice)', () => {
  let config: AppConfig;
  let api: INestApplication;
  let store: StateStore;

  beforeAll(async () => {
    config = testConfig({ COUNTERPARTY_MODE: 'manual' });
    api = await startApi(config);
    store = api.get(StateStore);
  });

  afterAll(async () => {
    await api?.close();
    if (config) await dropKeys(config);
  });

  // The stream of the partition every transfer here lives in (they share one id's partition).
  const outboxLength = (id: string) => api.get<Redis>(REDIS).xlen(streamOf(config, id));

  it('a create run twice answers "created" both times and commits one event', async () => {
    const tp = transfer();
    const event = transferProcessEvent(tp, {}, store.newEventId(tp.id));
    const before = await outboxLength(tp.id);
    expect(await store.create('transferprocess', tp, event)).toBe(true);
    expect(await store.create('transferprocess', tp, event)).toBe(true);
    expect((await outboxLength(tp.id)) - before).toBe(1);
    // Another write for the same id is still refused.
    expect(await store.create('transferprocess', tp, transferProcessEvent(tp, {}, store.newEventId(tp.id)))).toBe(false);
  });

  it('a transition run twice answers "done" both times and commits one event, even after a later write', async () => {
    const tp = transfer();
    await store.create('transferprocess', tp, transferProcessEvent(tp, {}, store.newEventId(tp.id)));
    const requested = { ...tp, state: 'REQUESTED', version: 2, eventSequence: 2 } as TransferProcess;
    const event = transferProcessEvent(requested, {}, store.newEventId(requested.id));
    const before = await outboxLength(tp.id);
    expect(await store.transition('transferprocess', tp, requested, event)).toBe(true);
    const started = { ...requested, state: 'STARTED', version: 3, eventSequence: 3 } as TransferProcess;
    expect(
      await store.transition('transferprocess', requested, started, transferProcessEvent(started, {}, store.newEventId(started.id))),
    ).toBe(true);
    // The resend of the first transition arrives after the second one.
    expect(await store.transition('transferprocess', tp, requested, event)).toBe(true);
    expect((await outboxLength(tp.id)) - before).toBe(2);
    expect((await store.get<TransferProcess>('transferprocess', tp.id))?.state).toBe('STARTED');
    // A different writer with a stale version still loses its race.
    expect(
      await store.transition('transferprocess', tp, requested, transferProcessEvent(requested, {}, store.newEventId(requested.id))),
    ).toBe(false);
  });

  it('a simulated step that loses every write race fails (to be retried) instead of vanishing', async () => {
    const tp = transfer();
    await store.create('transferprocess', tp, transferProcessEvent(tp, {}, store.newEventId(tp.id)));
    // The stored version no longer matches the object's: every compare-and-set loses.
    await api.get<Redis>(REDIS).hset(keyOf(config, tp.id, 'transferprocess', tp.id), 'version', '999');
    await expect(api.get(TransferProcessesService).simulateStep(tp.id, 'INITIAL')).rejects.toBeInstanceOf(ConcurrentWrite);
  });
});

describe('the api against a Redis of its own that drops connections, dies and runs out of memory', () => {
  let redis: DedicatedRedis;
  let config: AppConfig;
  let api: INestApplication;
  const http = () => request(api.getHttpServer());
  const create = () => http().post(TRANSFERS).set('x-api-key', API_KEY).send(transferRequest()).timeout(5000);

  beforeAll(async () => {
    redis = new DedicatedRedis(await freePort());
    await redis.start();
    config = testConfig({ REDIS_URL: redis.url, COUNTERPARTY_MODE: 'manual' });
    api = await startApi(config);
  });

  afterAll(async () => {
    if (redis && !redis.running) await redis.start();
    await redis?.cli('CONFIG', 'SET', 'maxmemory', '0');
    await sleep(1500);
    await api?.close();
    await redis?.kill('SIGTERM');
  });

  /**
   * Loses the replies of whatever `send` makes the api write: Redis is kept busy by a script,
   * the api's commands and then a CLIENT KILL queue up behind it, and once the script ends
   * Redis runs the api's commands and then the kill, in the order they arrived, so the
   * replies are never sent. ioredis then resends the commands on a new connection.
   */
  async function withRepliesLost<T>(send: () => Promise<T>): Promise<T> {
    const sleeper = new Redis(config.redisUrl);
    const killer = new Redis(config.redisUrl);
    try {
      await Promise.all([sleeper.ping(), killer.ping()]);
      const busy = sleeper.eval(
        "local t = redis.call('TIME'); local stop = t[1] * 1e6 + t[2] + 300000; repeat t = redis.call('TIME') until t[1] * 1e6 + t[2] >= stop; return 1",
        0,
      );
      await sleep(50);
      const sent = Promise.resolve(send()); // supertest sends only once then() is called
      await sleep(100);
      await Promise.all([busy, killer.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes')]).catch(() => undefined);
      return await sent;
    } finally {
      sleeper.disconnect();
      killer.disconnect();
    }
  }

  it('a create and a signal whose replies are lost to a dropped connection still answer 2xx, and take effect once', async () => {
    const created = await withRepliesLost(() => Promise.all([create(), create(), create()]));
    expect(created.map((r) => r.status)).toEqual([200, 200, 200]);
    const id = created[0].body['@id'] as string;
    const signal = await withRepliesLost(() =>
      http().post(`/signaling/v1/transferprocesses/${id}/requested`).set('x-api-key', API_KEY).timeout(5000),
    );
    expect([signal.status, signal.body.state]).toEqual([200, 'REQUESTED']);
    expect((await http().get(`${TRANSFERS}/${id}/state`).set('x-api-key', API_KEY)).body.state).toBe('REQUESTED');
    // One event each, not two: INITIAL's and REQUESTED's, on the event stream.
    const redis = api.get<Redis>(REDIS);
    const entries = await redis.xrange(streamOf(config, id), '-', '+');
    const events = entries.map(([, fields]) => JSON.parse(fields[1])).filter((d) => d.entity.id === id);
    expect(events.map((d) => d.envelope.type).sort()).toEqual(['TransferProcessInitiated', 'TransferProcessRequested']);
  });

  it('an inbound call whose replies are lost is counted once, and the next call has the next sequence', async () => {
    const created = await http().post('/management/v1/callbacks').set('x-api-key', API_KEY).send({ allowMultipleCalls: true }).expect(201);
    const { id, callbackUrl } = created.body as { id: string; callbackUrl: string };
    const path = new URL(callbackUrl).pathname;

    const first = await withRepliesLost(() => http().post(path).send({ n: 1 }).timeout(5000));
    expect(first.status).toBeLessThan(300);
    expect((await http().post(path).send({ n: 2 })).status).toBeLessThan(300);

    const view = (await http().get(`/management/v1/callbacks/${id}`).set('x-api-key', API_KEY).expect(200)).body;
    expect(view.callCount).toBe(2);
    // One event per call, numbered 1 and 2: no gap for a receiver to wait on.
    const redis = api.get<Redis>(REDIS);
    const entries = await redis.xrange(streamOf(config, id), '-', '+');
    const sequences = entries
      .map(([, fields]) => JSON.parse(fields[1]))
      .filter((d) => d.entity.id === id)
      .map((d) => d.sequence);
    expect(sequences).toEqual([1, 2]);
  });

  it('Redis out of memory: creates answer 503 with Retry-After, /health and the metric say so; back to 200 after', async () => {
    await redis.cli('CONFIG', 'SET', 'maxmemory', '1');
    const res = await create();
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toEqual([expect.objectContaining({ type: 'ServiceUnavailable', message: expect.stringContaining('out of memory') })]);

    const health = await http().get('/health');
    expect(health.status).toBe(503);
    expect(health.body.reason).toBe('Redis refuses writes (out of memory)');
    const metrics = await http().get('/metrics');
    expect(metrics.text).toMatch(/callback_store_unavailable_total\{reason="out-of-memory",app="api"\} [1-9]/);

    // An api (re)started meanwhile starts, and answers 503 too, rather than exit.
    const another = await startApi(config, { agreement: false });
    try {
      expect((await request(another.getHttpServer()).post(TRANSFERS).set('x-api-key', API_KEY).send(transferRequest())).status).toBe(503);
    } finally {
      await another.close();
    }

    await redis.cli('CONFIG', 'SET', 'maxmemory', '0');
    await waitUntil(async () => (await http().get('/health')).status === 200, 5000, 'health back to 200');
    expect((await create()).status).toBe(200);
  });

  it('Redis down: a create answers 503 with Retry-After at once, not after 10 s, and not 500', async () => {
    await redis.kill('SIGKILL');
    await waitUntil(async () => (await http().get('/health').timeout(2000)).status === 503, 5000, 'health 503');
    const res = await create();
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    await redis.start();
    await waitUntil(async () => (await http().get('/health')).status === 200, 10_000, 'health back to 200');
    expect((await create()).status).toBe(200);
  });
});

describe('accepted events while Redis refuses writes (api and dispatcher)', () => {
  let redis: DedicatedRedis;
  let receiver: Receiver;
  let config: AppConfig;
  let api: INestApplication;
  let dispatcher: INestApplication;

  beforeAll(async () => {
    redis = new DedicatedRedis(await freePort());
    await redis.start();
    receiver = await Receiver.start();
    config = testConfig({ REDIS_URL: redis.url, COUNTERPARTY_MODE: 'manual', DISPATCH_BACKOFF_MS: '100', DISPATCH_BACKOFF_MAX_MS: '500' });
    api = await startApi(config);
    dispatcher = await startDispatcher(config);
  });

  afterAll(async () => {
    await redis?.cli('CONFIG', 'SET', 'maxmemory', '0');
    await sleep(1500);
    await api?.close();
    await dispatcher?.close();
    await receiver?.close();
    await redis?.kill('SIGTERM');
  });

  it('every create that answered 200 is delivered once memory is back; the others answered 503', async () => {
    const callbackAddresses = [{ uri: `${receiver.url}/hook`, events: ['transfer.process'] }];
    const accepted: string[] = [];
    const refused: number[] = [];
    const burst = Array.from({ length: 200 }, async (_, i) => {
      await sleep(i * 5);
      const res = await request(api.getHttpServer())
        .post(TRANSFERS)
        .set('x-api-key', API_KEY)
        .send(transferRequest({ callbackAddresses }))
        .timeout(5000);
      if (res.status === 200) accepted.push(res.body['@id']);
      else refused.push(res.status);
    });
    // Memory runs out in the middle of the burst, and stays out for longer than the retries of
    // a delivery (8 attempts at most 0.5 s apart) would last if they counted.
    await sleep(400);
    await redis.cli('CONFIG', 'SET', 'maxmemory', '1');
    await Promise.all(burst);
    await sleep(6000);
    await redis.cli('CONFIG', 'SET', 'maxmemory', '0');

    expect(refused.every((s) => s === 503)).toBe(true);
    expect(accepted.length).toBeGreaterThan(0);
    const delivered = () => new Set(receiver.calls.map((c) => c.json?.payload?.transferProcessId));
    await waitUntil(() => accepted.every((id) => delivered().has(id)), 30_000, 'every accepted create delivered');
  }, 60_000);
});
