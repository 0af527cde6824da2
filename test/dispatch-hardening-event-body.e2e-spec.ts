import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';

import Redis from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { AppConfig, REDIS } from '@app/platform';
import { keyOf } from './support/redis-keys';
import { BODY_KEPT_AFTER_LAST_DELIVERY_MS } from '@app/delivery';
import { EventBodySweeper } from '../apps/dispatcher/src/fan-out/event-body-sweeper';
import { ReceivedCall, Receiver } from './support/receiver';
import {
  agreementFixture,
  apiClient,
  openDeliveryQueues,
  seedAgreement,
  Stack,
  startStack,
  transferRequest,
  waitUntil,
} from './support/harness';
import { TestDeliveryQueues } from './support/delivery-queues';

/**
 * Issue 10, item 5 (storage): an event's body is stored once, not once per delivery job, and
 * lives exactly as long as a delivery of it can still run. A first attempt reads it from the
 * event stream; a delivery that needs retries holds the stored body, dead letters keep it, it
 * expires after the last delivery, and is collected when a dead letter is removed.
 */

const signingSecret = `whsec_${randomBytes(32).toString('base64')}`;
// Manual mode: a new transfer emits exactly one event (Initiated), which keeps counts exact.
const ENDPOINTS = 20;
const LARGE = 'a'.repeat(60_000);

describe('event bodies: stored once per event, for as long as a delivery can use them', () => {
  let stack: Stack;
  let api: INestApplication;
  let receiver: Receiver;
  let config: AppConfig;
  let redis: Redis;
  let deliveries: TestDeliveryQueues;

  beforeAll(async () => {
    stack = await startStack(
      () => ({
        COUNTERPARTY_MODE: 'manual',
        CALLBACK_SIGNING_SECRET: signingSecret,
        DISPATCH_MAX_ATTEMPTS: '3',
        DISPATCH_BACKOFF_MS: '30',
      }),
      (call, nth) => {
        if (call.path === '/flaky') return nth <= 2 ? { status: 500 } : { status: 200 };
        // Each of these fails its first attempt, so that its delivery becomes a job.
        if (call.path.startsWith('/many/') || call.path.startsWith('/later/')) return nth === 1 ? { status: 500 } : { status: 200 };
        // Gone at first (a dead letter at once), fine once retried.
        if (call.path.startsWith('/gone-then-ok')) return nth === 1 ? { status: 410 } : { status: 200 };
        return { status: 200 };
      },
    );
    ({ api, receiver, config } = stack);
    redis = stack.dispatcher.get<Redis>(REDIS);
    // A 60 KB asset id makes a 60 KB event: every transfer event carries its agreement's asset.
    await seedAgreement(redis, config, agreementFixture({ id: 'large', assetId: LARGE }));
    deliveries = openDeliveryQueues(config);
  });

  afterAll(async () => {
    await deliveries?.close();
    await stack?.stop();
  });

  const bodyKey = (eventId: string) => keyOf(config, eventId, 'event-body', eventId);
  const heldIndex = (eventId: string) => keyOf(config, eventId, 'event-body-index', 'held');
  const holders = async (eventId: string) => (await redis.hkeys(bodyKey(eventId))).filter((f) => f !== 'body').sort();

  async function createTransfer(callbackAddresses: object[], extra: Record<string, unknown> = {}): Promise<string> {
    const res = await apiClient(() => api).post('/management/v3/transferprocesses', transferRequest({ callbackAddresses, ...extra }));
    expect(res.status).toBe(200);
    return res.body['@id'];
  }

  const callsFor = (id: string, prefix: string): ReceivedCall[] =>
    receiver.calls.filter((c) => c.path.startsWith(prefix) && c.json?.payload?.transferProcessId === id);

  it('an event to 20 endpoints that all need a retry stores its 60 KB body once; each job holds only ids, and every endpoint gets the same signed bytes', async () => {
    const addresses = Array.from({ length: ENDPOINTS }, (_, i) => ({ uri: `${receiver.url}/many/${i}`, events: ['transfer.process'] }));
    const id = await createTransfer(addresses, { contractId: 'large' });
    await receiver.waitFor(() => callsFor(id, '/many/').length >= 2 * ENDPOINTS);
    const calls = callsFor(id, '/many/');
    const eventId = calls[0].json.id as string;

    const stored = await redis.hget(bodyKey(eventId), 'body');
    expect(stored!.length).toBeGreaterThan(LARGE.length);
    for (const call of calls) {
      expect(call.body).toBe(stored);
      expect(
        new Webhook(signingSecret).verify(call.body, {
          'webhook-id': String(call.headers['webhook-id']),
          'webhook-timestamp': String(call.headers['webhook-timestamp']),
          'webhook-signature': String(call.headers['webhook-signature']),
        }),
      ).toEqual(call.json);
    }

    // The jobs: small, whatever the event's size (before: each held the whole body).
    const jobs = (await deliveries.getJobs(['completed', 'active', 'waiting', 'delayed'])).filter((j) => j.data.eventId === eventId);
    expect(jobs).toHaveLength(ENDPOINTS);
    for (const job of jobs) {
      expect(job.data.body).toBeUndefined();
      expect(await redis.hstrlen(deliveries.toKey(job.id!), 'data')).toBeLessThan(1000);
    }
  });

  it('sends the same bytes on every attempt of a retried delivery', async () => {
    const id = await createTransfer([{ uri: `${receiver.url}/flaky`, events: ['transfer.process'] }], { contractId: 'large' });
    await receiver.waitFor(() => callsFor(id, '/flaky').length >= 3);
    const calls = callsFor(id, '/flaky');
    expect(new Set(calls.map((c) => c.body)).size).toBe(1);
    expect(await redis.hget(bodyKey(calls[0].json.id), 'body')).toBe(calls[0].body);
  });

  it('stores no body for a delivery made on its first attempt; one that needed retries lets go of it once delivered, and it expires a day later', async () => {
    const id = await createTransfer([
      { uri: `${receiver.url}/first-time`, events: ['transfer.process'] },
      { uri: `${receiver.url}/later/1`, events: ['transfer.process'] },
      { uri: `${receiver.url}/later/2`, events: ['transfer.process'] },
    ]);
    await receiver.waitFor(() => callsFor(id, '/later/').length >= 4 && callsFor(id, '/first-time').length >= 1);
    const eventId = callsFor(id, '/later/')[0].json.id as string;
    const completed = async () => (await deliveries.getJobs(['completed'])).filter((j) => j.data.eventId === eventId).length === 2;
    await waitUntil(completed, 5000, 'both retried deliveries completed');
    // The first-time delivery never became a job.
    expect(
      (await deliveries.getJobs(['completed', 'waiting', 'delayed', 'active', 'failed'])).filter((j) => j.data.eventId === eventId),
    ).toHaveLength(2);

    await waitUntil(async () => (await holders(eventId)).length === 0, 5000, 'the holders let go');
    const ttl = await redis.pttl(bodyKey(eventId));
    expect(ttl).toBeGreaterThan(BODY_KEPT_AFTER_LAST_DELIVERY_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(BODY_KEPT_AFTER_LAST_DELIVERY_MS);
    expect(await redis.zscore(heldIndex(eventId), eventId)).toBeNull();
  });

  it('a dead letter keeps holding the body, with no expiry, until it is retried and delivered', async () => {
    const uri = `${receiver.url}/gone-then-ok`;
    const id = await createTransfer([{ uri, events: ['transfer.process'] }]);
    const failedJob = async () => (await deliveries.getFailed()).find((j) => j.data.entity.id === id);
    await waitUntil(async () => (await failedJob()) !== undefined, 10_000, 'the dead letter');
    const job = (await failedJob())!;

    expect(await redis.pttl(bodyKey(job.data.eventId))).toBe(-1);
    expect(await holders(job.data.eventId)).toEqual([job.id]);
    // The sweep leaves a dead letter's body alone, however old.
    expect(await stack.dispatcher.get(EventBodySweeper).sweep(Date.now() + 1000)).toBe(0);
    expect(await redis.pttl(bodyKey(job.data.eventId))).toBe(-1);

    await apiClient(() => api)
      .post(`/management/v1/deliveries/${encodeURIComponent(job.id!)}/retry`)
      .expect(202);
    await receiver.waitFor(() => callsFor(id, '/gone-then-ok').length >= 2);
    expect(callsFor(id, '/gone-then-ok')[1].body).toBe(callsFor(id, '/gone-then-ok')[0].body);
    await waitUntil(async () => (await redis.pttl(bodyKey(job.data.eventId))) > 0, 5000, 'the body expiring');
    expect(await holders(job.data.eventId)).toEqual([]);
  });

  it('a dead letter removed in Bull Board lets go of the body at the next sweep', async () => {
    const id = await createTransfer([{ uri: `${receiver.url}/gone-then-ok/removed`, events: ['transfer.process'] }]);
    const failedJob = async () => (await deliveries.getFailed()).find((j) => j.data.entity.id === id);
    await waitUntil(async () => (await failedJob()) !== undefined, 10_000, 'the dead letter');
    const job = (await failedJob())!;
    await job.remove();
    expect(await redis.pttl(bodyKey(job.data.eventId))).toBe(-1);

    // Not before a day has passed since its holders last changed...
    expect(await stack.dispatcher.get(EventBodySweeper).sweep()).toBe(0);
    expect(await redis.pttl(bodyKey(job.data.eventId))).toBe(-1);
    // ...then it goes.
    expect(await stack.dispatcher.get(EventBodySweeper).sweep(Date.now() + 1000)).toBe(1);
    expect(await redis.pttl(bodyKey(job.data.eventId))).toBeGreaterThan(0);
    expect(await holders(job.data.eventId)).toEqual([]);
    expect(await redis.zscore(heldIndex(job.data.eventId), job.data.eventId)).toBeNull();
  });
});
