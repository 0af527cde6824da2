import { INestApplication } from '@nestjs/common';

import request from 'supertest';

import { Receiver } from './support/receiver';
import { API_KEY, Stack, startStack, transferRequest, waitUntil, openDeliveryQueues } from './support/harness';
import { TestDeliveryQueues } from './support/delivery-queues';

// Manual mode: a new transfer emits exactly one event (Initiated), which keeps counts exact.
describe('deliveries are retried with backoff and dead-lettered after the last attempt', () => {
  let stack: Stack;
  let api: INestApplication;
  let receiver: Receiver;
  let deliveries: TestDeliveryQueues;

  beforeAll(async () => {
    stack = await startStack(
      () => ({ COUNTERPARTY_MODE: 'manual', DISPATCH_MAX_ATTEMPTS: '4', DISPATCH_BACKOFF_MS: '30' }),
      (call, nth) => {
        if (call.path === '/flaky') return nth <= 2 ? { status: 500, body: 'boom' } : { status: 200 };
        if (call.path === '/gone') return { status: 410 };
        if (call.path === '/down') return { status: 503, body: 'down' };
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

  const createTransferTo = (path: string) =>
    request(api.getHttpServer())
      .post('/management/v3/transferprocesses')
      .set('x-api-key', API_KEY)
      .send(transferRequest({ callbackAddresses: [{ uri: `${receiver.url}${path}`, events: ['transfer.process'] }] }))
      .expect(200);

  it('gets the event through on the third attempt after two 500s, with the same webhook-id each time', async () => {
    await createTransferTo('/flaky');
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/flaky').length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    const calls = receiver.callsTo('/flaky');
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.headers['webhook-id'])).size).toBe(1);
    expect(calls[0].headers['webhook-id']).toBe(calls[0].json.id);
    expect(new Set(calls.map((c) => c.body)).size).toBe(1);
    // Backoff: the retries were not sent back to back.
    expect(calls[2].at - calls[0].at).toBeGreaterThanOrEqual(30);
  });

  it('leaves a delivery that always fails in the failed set after DISPATCH_MAX_ATTEMPTS attempts', async () => {
    const created = await createTransferTo('/down');
    await waitUntil(async () => (await deliveries.getFailedCount()) > 0, 15_000, 'a failed delivery');
    const [failed] = await deliveries.getFailed();
    // The first attempt came straight from the event stream; the job made the other three.
    expect(failed.attemptsMade + (failed.data.attemptsBefore ?? 0)).toBe(4);
    expect(failed.failedReason).toContain('HTTP 503');
    expect(failed.data.entity).toEqual({ kind: 'transferprocess', id: created.body['@id'] });
    expect(receiver.callsTo('/down')).toHaveLength(4);
    await failed.remove();
  });

  it('does not retry 410 Gone', async () => {
    await createTransferTo('/gone');
    await waitUntil(async () => (await deliveries.getFailedCount()) > 0, 15_000, 'a failed delivery');
    const [failed] = await deliveries.getFailed();
    // The one attempt came straight from the event stream; the job only keeps the dead letter.
    expect(failed.failedReason).toContain('HTTP 410');
    expect(receiver.callsTo('/gone')).toHaveLength(1);
  });
});
