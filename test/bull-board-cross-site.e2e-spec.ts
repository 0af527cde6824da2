import request from 'supertest';
import { API_KEY, openDeliveryQueues, Stack, startStack, waitUntil } from './support/harness';
import { TestDeliveryQueues } from './support/delivery-queues';

/**
 * Bull Board and cross-site requests (issue 20, finding 5): a page of another site can make a
 * logged-in browser POST with a simple content type and no preflight, so the board's state
 * changes must refuse those; and a job whose data is no delivery (what such an "add job" made)
 * fails once, for good, saying why, rather than being parked for ever.
 */
describe('Bull Board state changes', () => {
  let stack: Stack;
  let queues: TestDeliveryQueues;

  beforeAll(async () => {
    stack = await startStack(() => ({ COUNTERPARTY_MODE: 'manual', LOG_LEVEL: 'error' }));
    queues = openDeliveryQueues(stack.config);
  });

  afterAll(async () => {
    await queues?.close();
    await stack?.stop();
  });

  const add = () => request(stack.api.getHttpServer()).post('/admin/queues/api/queues/deliveries.p00/add').auth('ops', API_KEY);

  it('refuses an add with a simple content type, or from another origin, and makes no job', async () => {
    await add().set('content-type', 'text/plain').send('{"name":"x","data":{}}').expect(403);
    await add().type('form').send({ name: 'x' }).expect(403);
    await add().set('origin', 'https://evil.example').send({ name: 'x', data: {} }).expect(403);
    const counts = await queues.getJobCounts('waiting', 'failed', 'delayed', 'active', 'completed');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('takes a JSON add from the board itself; the dispatcher fails a job that is no delivery once, with a clear reason', async () => {
    await add().set('origin', 'http://console.test').set('host', 'console.test').send({ name: 'hand-made', data: {} }).expect(200);
    const failed = async () => (await queues.queues.all[0].getFailed()).find((j) => j.name === 'hand-made');
    await waitUntil(async () => (await failed()) !== undefined, 15_000, 'the hand-made job to fail');
    const job = (await failed())!;
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/^Not a delivery job, nothing sent: eventId is required; .*endpoint\.uri must be an absolute URI$/);
    expect((job.stacktrace ?? []).join('\n')).not.toMatch(/\/(src|dist)\//);
  });
});
