import { DeliveryRecord } from '@app/delivery';

import { Receiver } from './support/receiver';
import { apiClient, Stack, startStack, transferRequest, waitUntil, openDeliveryQueues } from './support/harness';
import { TestDeliveryQueues } from './support/delivery-queues';

const BIG_BODY = 'x'.repeat(5000);

// Manual mode: a new transfer emits exactly one event (Initiated), so each callback gets one delivery.
describe('the delivery log through /management/v1/deliveries', () => {
  let stack: Stack;
  let receiver: Receiver;
  let deliveries: TestDeliveryQueues;
  let deadFixed = false;
  const client = apiClient(() => stack.api);

  beforeAll(async () => {
    stack = await startStack(
      () => ({ COUNTERPARTY_MODE: 'manual', DISPATCH_MAX_ATTEMPTS: '3', DISPATCH_BACKOFF_MS: '20' }),
      (call, nth) => {
        if (call.path === '/flaky')
          return nth === 1 ? { status: 500, body: BIG_BODY } : nth === 2 ? { status: 500, body: 'boom' } : { status: 200, body: 'thanks' };
        if (call.path === '/dead') return deadFixed ? { status: 200, body: 'back' } : { status: 503, body: 'down' };
        if (call.path === '/down') return { status: 503, body: 'down' };
        return { status: 200, body: 'ok' };
      },
    );
    receiver = stack.receiver;
    deliveries = openDeliveryQueues(stack.config);
  });

  afterAll(async () => {
    await deliveries?.close();
    await stack?.stop();
  });

  const createTransferTo = async (...paths: string[]): Promise<string> => {
    const created = await client
      .post(
        '/management/v3/transferprocesses',
        transferRequest({ callbackAddresses: paths.map((p) => ({ uri: `${receiver.url}${p}`, events: ['transfer.process'] })) }),
      )
      .expect(200);
    return created.body['@id'];
  };

  const list = async (query: string): Promise<DeliveryRecord[]> =>
    (await client.get(`/management/v1/deliveries?${query}`).expect(200)).body;

  const waitForStatus = async (query: string, status: DeliveryRecord['status'], count = 1): Promise<DeliveryRecord[]> => {
    let found: DeliveryRecord[] = [];
    await waitUntil(
      async () => {
        found = await list(query);
        return found.length === count && found.every((d) => d.status === status);
      },
      15_000,
      `${count} ${status} deliveries for ${query}`,
    );
    return found;
  };

  it('shows every attempt of a delivery that succeeds on the third, with status, latency, reply and error', async () => {
    const transferId = await createTransferTo('/flaky');
    const [delivery] = await waitForStatus(`entityId=${transferId}`, 'delivered');
    const calls = receiver.callsTo('/flaky');
    expect(calls).toHaveLength(3);

    expect(delivery).toMatchObject({
      eventId: calls[0].headers['webhook-id'],
      eventType: 'TransferProcessInitiated',
      entity: { kind: 'transferprocess', id: transferId },
      endpoint: { uri: `${receiver.url}/flaky` },
      status: 'delivered',
      series: 1,
    });
    expect(delivery.updatedAt).toBeGreaterThanOrEqual(delivery.createdAt);
    expect(delivery.attempts.map((a) => [a.series, a.attempt, a.status, a.outcome])).toEqual([
      [1, 1, 500, 'retrying'],
      [1, 2, 500, 'retrying'],
      [1, 3, 200, 'delivered'],
    ]);
    for (const a of delivery.attempts) {
      expect(a.latencyMs).toEqual(expect.any(Number));
      expect(a.at).toEqual(expect.any(Number));
    }
    // The first 1 KiB of a 5,000-byte reply, then the replies as given.
    expect(delivery.attempts[0].response).toBe(BIG_BODY.slice(0, 1024));
    expect(delivery.attempts[1].response).toBe('boom');
    expect(delivery.attempts[2].response).toBe('thanks');
    expect(delivery.attempts[0].error).toBe('HTTP 500');
    expect(delivery.attempts[1].error).toBe('HTTP 500');
    expect(delivery.attempts[2].error).toBeUndefined();

    expect((await client.get(`/management/v1/deliveries/${encodeURIComponent(delivery.id)}`).expect(200)).body).toEqual(delivery);
  });

  it('filters by eventId (the webhook-id the receiver saw), by status, and both combined', async () => {
    const transferId = await createTransferTo('/filter/a', '/filter/b');
    const both = await waitForStatus(`entityId=${transferId}`, 'delivered', 2);
    const eventId = receiver.callsTo('/filter/a')[0].headers['webhook-id'] as string;
    expect(receiver.callsTo('/filter/b')[0].headers['webhook-id']).toBe(eventId);

    const byEvent = await list(`eventId=${eventId}`);
    expect(byEvent.map((d) => d.endpoint.uri).sort()).toEqual([`${receiver.url}/filter/a`, `${receiver.url}/filter/b`]);
    expect(byEvent.every((d) => d.eventId === eventId)).toBe(true);

    const delivered = (await list('status=delivered&limit=1000')).map((d) => d.id);
    for (const d of both) expect(delivered).toContain(d.id);
    expect((await list('status=failed')).map((d) => d.id)).not.toContain(both[0].id);
    expect((await list('status=pending')).map((d) => d.id)).not.toContain(both[0].id);

    expect(await list(`eventId=${eventId}&status=delivered`)).toHaveLength(2);
    expect(await list(`eventId=${eventId}&status=retrying`)).toEqual([]);
    expect(await list(`entityId=${transferId}&eventId=${eventId}&status=delivered`)).toHaveLength(2);
    expect(await list('eventId=no-such-event')).toEqual([]);
  });

  it('pages newest first with offset and limit', async () => {
    const transfers: string[] = [];
    for (let i = 0; i < 5; i++) {
      transfers.push(await createTransferTo(`/page/${i}`));
      await waitForStatus(`entityId=${transfers[i]}`, 'delivered');
    }
    const all = await list('limit=1000');
    expect(all.map((d) => d.createdAt)).toEqual([...all.map((d) => d.createdAt)].sort((a, b) => b - a));
    // The five newest are those just made, newest first.
    expect(all.slice(0, 5).map((d) => d.entity.id)).toEqual([...transfers].reverse());

    expect(await list('')).toEqual(all.slice(0, 50));
    const paged = [...(await list('offset=0&limit=2')), ...(await list('offset=2&limit=2')), ...(await list('offset=4&limit=2'))];
    expect(paged.map((d) => d.id)).toEqual(all.slice(0, 6).map((d) => d.id));
    expect(await list(`offset=${all.length}&limit=10`)).toEqual([]);
    expect(await list('limit=0')).toEqual([]);
  });

  it('answers 400 listing every bad parameter, and 404 for an unknown id', async () => {
    const bad = await client.get('/management/v1/deliveries?status=bogus&limit=-1&offset=abc').expect(400);
    expect(bad.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'ValidationFailure', path: 'status', invalidValue: 'bogus' }),
        expect.objectContaining({ type: 'ValidationFailure', path: 'limit', invalidValue: -1 }),
        expect.objectContaining({ type: 'ValidationFailure', path: 'offset', invalidValue: 'abc' }),
      ]),
    );
    expect(bad.body).toHaveLength(3);

    const tooMany = await client.get('/management/v1/deliveries?limit=1001&offset=1.5').expect(400);
    expect(tooMany.body.map((e: { path: string }) => e.path).sort()).toEqual(['limit', 'offset']);

    const missing = await client.get('/management/v1/deliveries/no-such-delivery').expect(404);
    expect(missing.body).toEqual([expect.objectContaining({ type: 'ObjectNotFound' })]);
    await client.post('/management/v1/deliveries/no-such-delivery/retry').expect(404);
  });

  it('retries a dead letter through the API as a second series with the same webhook-id', async () => {
    const transferId = await createTransferTo('/dead');
    const [dead] = await waitForStatus(`entityId=${transferId}`, 'failed');
    await waitUntil(async () => (await deliveries.getJobState(dead.id)) === 'failed', 5000, 'the job to be failed');
    const path = `/management/v1/deliveries/${encodeURIComponent(dead.id)}`;

    const failed: DeliveryRecord = (await client.get(path).expect(200)).body;
    expect(failed.series).toBe(1);
    expect(failed.attempts.map((a) => [a.series, a.attempt, a.status, a.outcome])).toEqual([
      [1, 1, 503, 'retrying'],
      [1, 2, 503, 'retrying'],
      [1, 3, 503, 'failed'],
    ]);
    expect(receiver.callsTo('/dead')).toHaveLength(3);

    deadFixed = true;
    await client.post(`${path}/retry`).expect(202);
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/dead').length >= 4);
    const calls = receiver.callsTo('/dead');
    expect(calls[3].headers['webhook-id']).toBe(calls[0].headers['webhook-id']);
    expect(calls[3].body).toBe(calls[0].body);

    const [delivered] = await waitForStatus(`entityId=${transferId}`, 'delivered');
    expect(delivered.series).toBe(2);
    expect(delivered.attempts.map((a) => [a.series, a.attempt, a.status, a.outcome])).toEqual([
      [1, 1, 503, 'retrying'],
      [1, 2, 503, 'retrying'],
      [1, 3, 503, 'failed'],
      [2, 1, 200, 'delivered'],
    ]);
    expect(delivered.attempts[3].response).toBe('back');

    // Delivered now: not a dead letter.
    await waitUntil(async () => (await deliveries.getJobState(dead.id)) === 'completed', 5000, 'the job to complete');
    const conflict = await client.post(`${path}/retry`).expect(409);
    expect(conflict.body).toEqual([expect.objectContaining({ type: 'ObjectConflict' })]);
  });

  it('answers 409 when a dead letter is no longer in the queue', async () => {
    const transferId = await createTransferTo('/down');
    const [dead] = await waitForStatus(`entityId=${transferId}`, 'failed');
    await waitUntil(async () => (await deliveries.getJobState(dead.id)) === 'failed', 5000, 'the job to be failed');
    await (await deliveries.getJob(dead.id))!.remove();
    const conflict = await client.post(`/management/v1/deliveries/${encodeURIComponent(dead.id)}/retry`).expect(409);
    expect(conflict.body).toEqual([expect.objectContaining({ type: 'ObjectConflict' })]);
  });
});
