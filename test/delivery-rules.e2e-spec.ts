import { INestApplication } from '@nestjs/common';

import { apiClient, Stack, startStack, transferRequest, waitUntil, openDeliveryQueues } from './support/harness';
import { TestDeliveryQueues } from './support/delivery-queues';
import { Receiver, Responder } from './support/receiver';
import { closedPort } from './support/closed-port';

const TIMEOUT_MS = 400;

// Manual mode: each new transfer emits one event (Initiated), so every path gets one delivery.
describe('the retry rules of a delivery', () => {
  let stack: Stack;
  let api: INestApplication;
  let receiver: Receiver;
  let deliveries: TestDeliveryQueues;
  let refusedUri: string;
  let hangOnce = true;

  beforeAll(async () => {
    refusedUri = `http://127.0.0.1:${await closedPort()}/refused`;
    stack = await startStack(
      () => ({
        COUNTERPARTY_MODE: 'manual',
        DISPATCH_MAX_ATTEMPTS: '3',
        DISPATCH_BACKOFF_MS: '20',
        DISPATCH_TIMEOUT_MS: String(TIMEOUT_MS),
      }),
      (call, nth): ReturnType<Responder> => {
        if (call.path === '/busy') return nth === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 };
        if (call.path === '/redirect') return nth === 1 ? { status: 302, headers: { location: '/elsewhere' } } : { status: 200 };
        if (call.path === '/slow') {
          if (nth === 1 && hangOnce) return 'hang';
          return { status: 200 };
        }
        return { status: 200 };
      },
    );
    ({ api, receiver } = stack);
    deliveries = openDeliveryQueues(stack.config);
  });

  afterAll(async () => {
    hangOnce = false;
    await deliveries?.close();
    await stack?.stop();
  });

  const { get, post } = apiClient(() => api);
  /** The delivery log's attempts of the one delivery to `uri`, once it has `status`. */
  const attemptsOnceThere = async (uri: string, status: string) => {
    let attempts: { status?: number; error?: string; outcome: string }[] = [];
    await waitUntil(
      async () => {
        const [record] = (await get(`/management/v1/deliveries?status=${status}`)).body.filter(
          (d: { endpoint: { uri: string } }) => d.endpoint.uri === uri,
        );
        attempts = record?.attempts ?? [];
        return record !== undefined;
      },
      10_000,
      `the delivery to ${uri} ${status}`,
    );
    return attempts;
  };
  const transferTo = (uri: string) =>
    post('/management/v3/transferprocesses', transferRequest({ callbackAddresses: [{ uri, events: ['transfer.process'] }] })).expect(200);

  it('honours Retry-After on a 429: the second attempt waits at least that long', async () => {
    await transferTo(`${receiver.url}/busy`);
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/busy').length >= 2, 10_000);
    const [first, second] = receiver.callsTo('/busy');
    // A lower bound only: the backoff alone would have retried after ~40 ms.
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
  });

  it('does not follow a 302: the redirect target gets nothing, and the attempt counts as a failure', async () => {
    await transferTo(`${receiver.url}/redirect`);
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/redirect').length >= 2);
    expect(receiver.callsTo('/elsewhere')).toHaveLength(0);
    // One failure (the first attempt, straight from the event stream), then the delivery.
    const attempts = await attemptsOnceThere(`${receiver.url}/redirect`, 'delivered');
    expect(attempts.map((a) => [a.status, a.outcome])).toEqual([
      [302, 'retrying'],
      [200, 'delivered'],
    ]);
    expect(attempts[0].error).toContain('HTTP 302 (redirects are not followed)');
  });

  it('gives up an attempt at DISPATCH_TIMEOUT_MS and retries it', async () => {
    await transferTo(`${receiver.url}/slow`);
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/slow').length >= 2, 10_000);
    const attempts = await attemptsOnceThere(`${receiver.url}/slow`, 'delivered');
    expect(attempts.map((a) => a.outcome)).toEqual(['retrying', 'delivered']);
    expect(attempts[0].error).toContain(`Timed out after ${TIMEOUT_MS} ms`);
  });

  it('retries a refused connection, then dead-letters it with the error', async () => {
    await transferTo(refusedUri);
    await waitUntil(async () => (await deliveries.getFailed()).some((j) => j.data.endpoint.uri === refusedUri), 10_000, 'a dead letter');
    const [job] = (await deliveries.getFailed()).filter((j) => j.data.endpoint.uri === refusedUri);
    // Three attempts in all: the first from the event stream, two more as the job's.
    expect(job.attemptsMade + (job.data.attemptsBefore ?? 0)).toBe(3);
    expect(job.failedReason).toContain('ECONNREFUSED');
    expect((await attemptsOnceThere(refusedUri, 'failed')).map((a) => a.outcome)).toEqual(['retrying', 'retrying', 'failed']);
  });
});

describe('a dead endpoint does not hold back the others', () => {
  let stack: Stack;
  let receiver: Receiver;
  let deliveries: TestDeliveryQueues;

  beforeAll(async () => {
    stack = await startStack(
      // Four slots; without a per-endpoint limit the dead endpoint's jobs would take them all.
      () => ({ COUNTERPARTY_MODE: 'manual', DISPATCH_CONCURRENCY: '4', DISPATCH_TIMEOUT_MS: '5000', DISPATCH_MAX_ATTEMPTS: '2' }),
      (call) => (call.path === '/dead' ? 'hang' : { status: 200 }),
    );
    ({ receiver } = stack);
    deliveries = openDeliveryQueues(stack.config);
  });

  afterAll(async () => {
    await deliveries?.close();
    await stack?.stop();
  });

  it('delivers every event to the healthy endpoints before the dead one has finished even one attempt', async () => {
    const { post } = apiClient(() => stack.api);
    const events = 20;
    for (let i = 0; i < events; i++) {
      await post(
        '/management/v3/transferprocesses',
        transferRequest({
          callbackAddresses: ['/dead', '/a', '/b'].map((path) => ({ uri: `${receiver.url}${path}`, events: ['transfer.process'] })),
        }),
      ).expect(200);
    }
    await receiver.waitFor((calls) => ['/a', '/b'].every((p) => calls.filter((c) => c.path === p).length >= events), 4000);

    // Order, not timing: every healthy delivery is done while the dead endpoint's first attempt
    // still hangs (its timeout is 5 s); its other deliveries wait as jobs, no attempt used.
    const hanging = receiver.callsTo('/dead').length;
    expect(hanging).toBeLessThanOrEqual(1);
    const dead = (await deliveries.getJobs(['active', 'waiting', 'delayed', 'failed', 'completed'])).filter((j) =>
      j.data.endpoint.uri.endsWith('/dead'),
    );
    expect(dead).toHaveLength(events - hanging);
    expect(dead.every((j) => j.attemptsMade === 0 && !j.data.attemptsBefore)).toBe(true);
  });
});

describe('a circuit per endpoint', () => {
  let stack: Stack;
  let receiver: Receiver;
  let deliveries: TestDeliveryQueues;

  beforeAll(async () => {
    stack = await startStack(
      () => ({
        COUNTERPARTY_MODE: 'manual',
        DISPATCH_CONCURRENCY: '5',
        DISPATCH_ENDPOINT_CONCURRENCY: '1',
        CIRCUIT_FAILURE_THRESHOLD: '3',
        CIRCUIT_OPEN_MS: '60000',
        DISPATCH_BACKOFF_MS: '20',
      }),
      (call) => (call.path === '/failing' ? { status: 500 } : { status: 200 }),
    );
    ({ receiver } = stack);
    deliveries = openDeliveryQueues(stack.config);
  });

  afterAll(async () => {
    await deliveries?.close();
    await stack?.stop();
  });

  it('stops calling an endpoint after consecutive failures, parking its deliveries without using attempts', async () => {
    const { post } = apiClient(() => stack.api);
    const events = 10;
    for (let i = 0; i < events; i++)
      await post(
        '/management/v3/transferprocesses',
        transferRequest({
          callbackAddresses: ['/failing', '/fine'].map((p) => ({ uri: `${receiver.url}${p}`, events: ['transfer.process'] })),
        }),
      ).expect(200);
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/fine').length >= events);
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/failing').length >= 3);
    await new Promise((r) => setTimeout(r, 500));

    // Three failures opened it; after that nothing more reached it.
    expect(receiver.callsTo('/failing')).toHaveLength(3);
    const failing = (await deliveries.getJobs(['waiting', 'delayed', 'active'])).filter((j) => j.data.endpoint.uri.endsWith('/failing'));
    expect(failing.length).toBeGreaterThanOrEqual(events - 3);
    const spent = failing.reduce((sum, j) => sum + j.attemptsMade + (j.data.attemptsBefore ?? 0), 0);
    expect(spent).toBeLessThanOrEqual(3);
  });
});
