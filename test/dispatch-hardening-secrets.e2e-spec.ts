import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Job } from 'bullmq';
import Redis from 'ioredis';
import { REDIS, secretsKey } from '@app/platform';
import { AttemptOutcome, DeliveryEndpoint, DeliveryJobData, deliveryJobId, DeliveryRecord, EventBodyStore } from '@app/delivery';
import { Receiver } from './support/receiver';
import { apiClient, Stack, startStack, transferRequest, waitUntil, openDeliveryQueues } from './support/harness';
import { TestDeliveryQueues } from './support/delivery-queues';

/**
 * Issue 10, items 11 and 12 (sending side): a secret a receiver echoes back is never stored,
 * an `authCodeId` resolves by own keys only, and a header that may not be sent never is.
 */

// A quote, so that a JSON echo escapes it.
const SECRET = 'echoed-"secret"-0123456789abcdef';
const SECRET_IN_JSON = JSON.stringify(SECRET).slice(1, -1);

describe('what is stored of an attempt never holds the secret sent', () => {
  let stack: Stack;
  let api: INestApplication;
  let receiver: Receiver;
  let deliveries: TestDeliveryQueues;

  beforeAll(async () => {
    stack = await startStack(
      () => ({
        COUNTERPARTY_MODE: 'manual',
        DISPATCH_MAX_ATTEMPTS: '2',
        DISPATCH_BACKOFF_MS: '20',
        EDC_VAULT_SECRETS: `echo-alias:${SECRET}`,
      }),
      (call, nth) => {
        const sent = String(call.headers['x-auth']);
        // Echoes the request's headers as JSON (the secret escaped).
        // The first time with a 500, so that the delivery becomes a job (shown by Bull Board).
        if (call.path === '/echo-json') return { status: nth === 1 ? 500 : 200, body: JSON.stringify(call.headers) };
        // The secret across the 1 KiB the log keeps.
        if (call.path === '/echo-straddling') return { status: 200, body: `${'x'.repeat(1000)}${sent}${'y'.repeat(100)}` };
        if (call.path === '/echo-failing') return { status: 500, body: `rejected ${sent}` };
        return { status: 200 };
      },
    );
    ({ api, receiver } = stack);
    deliveries = openDeliveryQueues(stack.config);
  });

  afterAll(async () => {
    await deliveries?.close();
    await stack?.stop();
  });

  /** Creates a transfer whose event goes to `path` with the secret; resolves with its delivery once finished. */
  async function deliverTo(
    path: string,
    { jobbed = true } = {},
  ): Promise<{ record: DeliveryRecord; job: Job<DeliveryJobData, AttemptOutcome> }> {
    const callbackAddresses = [
      { uri: `${receiver.url}${path}`, events: ['transfer.process'], authKey: 'X-Auth', authCodeId: 'echo-alias' },
    ];
    const created = await apiClient(() => api).post('/management/v3/transferprocesses', transferRequest({ callbackAddresses }));
    expect(created.status).toBe(200);
    const entityId = created.body['@id'];
    let record: DeliveryRecord | undefined;
    await waitUntil(
      async () => {
        [record] = (await apiClient(() => api).get(`/management/v1/deliveries?entityId=${entityId}`)).body;
        return record !== undefined && (record.status === 'delivered' || record.status === 'failed');
      },
      10_000,
      `the delivery to ${path}`,
    );
    let job: Job<DeliveryJobData, AttemptOutcome> | undefined;
    // A delivery made on its first attempt, straight from the event stream, has no job.
    if (jobbed)
      await waitUntil(
        async () => {
          job = await deliveries.getJob(record!.id);
          return job?.finishedOn !== undefined;
        },
        5000,
        'its job finished',
      );
    expect(receiver.callsTo(path).at(-1)!.headers['x-auth']).toBe(SECRET);
    return { record: record!, job: job! };
  }

  const expectNoSecret = (text: string | undefined) => {
    expect(text).toBeDefined();
    expect(text).not.toContain(SECRET.slice(0, 10));
    expect(text).not.toContain(SECRET_IN_JSON.slice(0, 10));
  };

  it('masks an echo of the secret, raw or JSON-escaped, in the delivery log and in the job return value (Bull Board)', async () => {
    const { record, job } = await deliverTo('/echo-json');
    expect(record.status).toBe('delivered');
    for (const attempt of record.attempts) {
      expectNoSecret(attempt.response);
      expect(JSON.parse(attempt.response!)['x-auth']).toBe('***');
    }
    expect(job.returnvalue.response).toBe(record.attempts[1].response);
  });

  it('masks a secret cut in two by the 1 KiB limit, rather than keep its first half', async () => {
    const { record } = await deliverTo('/echo-straddling', { jobbed: false });
    expect(record.attempts[0].response).toBe(`${'x'.repeat(1000)}***`);
  });

  it('masks it in what a failed attempt stores', async () => {
    const { record, job } = await deliverTo('/echo-failing');
    expect(record.status).toBe('failed');
    expect(record.attempts[0].response).toBe('rejected ***');
    expectNoSecret(job.failedReason);
    expectNoSecret(JSON.stringify(job.stacktrace));
  });
});

describe('a secret alias or auth header that cannot be sent', () => {
  let stack: Stack;
  let receiver: Receiver;
  let redis: Redis;
  let deliveries: TestDeliveryQueues;

  beforeAll(async () => {
    stack = await startStack(() => ({
      COUNTERPARTY_MODE: 'manual',
      DISPATCH_MAX_ATTEMPTS: '3',
      EDC_VAULT_SECRETS: 'good-alias:good-value',
    }));
    ({ receiver } = stack);
    redis = stack.dispatcher.get<Redis>(REDIS);
    deliveries = openDeliveryQueues(stack.config);
  });

  afterAll(async () => {
    await deliveries?.close();
    await stack?.stop();
  });

  /**
   * Queues a delivery straight away, as the fan-out does, so that what request validation now
   * refuses reaches the sender (jobs queued before that validation, or a mistake in it).
   */
  async function enqueue(endpoint: DeliveryEndpoint): Promise<string> {
    const eventId = randomUUID();
    const id = deliveryJobId(eventId, endpoint.uri);
    const entity = { kind: 'transferprocess' as const, id: randomUUID() };
    const body = JSON.stringify({
      id: eventId,
      at: Date.now(),
      type: 'TransferProcessInitiated',
      payload: { transferProcessId: entity.id },
    });
    await stack.dispatcher.get(EventBodyStore).hold(eventId, body, [id]);
    await deliveries.add(
      'TransferProcessInitiated',
      { eventId, eventType: 'TransferProcessInitiated', entity, sequence: 1, endpoint },
      {
        jobId: id,
        attempts: stack.config.dispatch.maxAttempts,
        backoff: { type: 'callback' },
      },
    );
    return id;
  }

  /** Waits until the job is in the failed set; answers it. */
  async function failed(id: string): Promise<Job<DeliveryJobData>> {
    await waitUntil(async () => (await deliveries.getJobState(id)) === 'failed', 10_000, `${id} failed`);
    return (await deliveries.getJob(id))!;
  }

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'authCodeId %s names no secret: failed at once, nothing sent',
    async (alias) => {
      const path = `/alias-${alias}`;
      const job = await failed(await enqueue({ uri: `${receiver.url}${path}`, authKey: 'X-Auth', authCodeId: alias }));
      expect(job.attemptsMade).toBe(1);
      expect(job.failedReason).toContain(`No secret with alias "${alias}"`);
      expect(receiver.callsTo(path)).toHaveLength(0);
    },
  );

  it('still resolves a stored alias of that name', async () => {
    await redis.hset(secretsKey(stack.config), 'constructor', 'stored-value');
    await enqueue({ uri: `${receiver.url}/stored-constructor`, authKey: 'X-Auth', authCodeId: 'constructor' });
    await receiver.waitFor(() => receiver.callsTo('/stored-constructor').length === 1);
    expect(receiver.callsTo('/stored-constructor')[0].headers['x-auth']).toBe('stored-value');
  });

  it.each([
    'Host',
    'content-length',
    'Transfer-Encoding',
    'Connection',
    'webhook-signature',
    'X-Bad\r\nX-Injected: 1',
    'bad name',
    'X-Ünicode',
  ])('authKey %j is never sent: failed at once, not retried', async (authKey) => {
    const path = `/key-${encodeURIComponent(authKey)}`;
    const job = await failed(await enqueue({ uri: `${receiver.url}${path}`, authKey, authCodeId: 'good-alias' }));
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toContain(`authKey ${JSON.stringify(authKey)}`);
    expect(job.failedReason).not.toContain('good-value');
    expect(receiver.callsTo(path)).toHaveLength(0);
  });

  it('a secret that is not a valid header value is never sent: failed at once, not retried', async () => {
    await redis.hset(secretsKey(stack.config), 'broken-alias', 'line\r\nX-Injected: 1');
    const job = await failed(await enqueue({ uri: `${receiver.url}/broken-secret`, authKey: 'X-Auth', authCodeId: 'broken-alias' }));
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toContain('not a valid header value');
    expect(job.failedReason).not.toContain('X-Injected');
    expect(receiver.callsTo('/broken-secret')).toHaveLength(0);
  });
});
