import request from 'supertest';
import { DeliveryRecord } from '@app/delivery';

import { Receiver } from './support/receiver';
import { API_KEY, apiClient, Stack, startStack, transferRequest, waitUntil, openDeliveryQueues } from './support/harness';
import { TestDeliveryQueues } from './support/delivery-queues';

// Bull Board's JSON API (the one its UI calls), as @bull-board/api 9.10 routes it under the board:
//   GET /api/queues?activeQueue=<name>&status=<status>  every queue with counts, and the jobs of the active one
//   GET /api/queues/:queueName/:jobId                   one job and its state
//   PUT /api/queues/:queueName/:jobId/retry             retries one failed (or completed) job, 204
const BOARD = '/admin/queues/api';

interface BoardJob {
  id: string;
  attempts: number; // the job's attemptsMade (Bull Board renames it)
  failedReason?: string;
  isFailed: boolean;
  opts: { attempts?: number };
  data: { eventId: string; entity: { id: string }; attemptsBefore?: number };
}

interface BoardQueue {
  name: string;
  counts: Record<string, number>;
  jobs: BoardJob[];
}

// Manual mode: a new transfer emits exactly one event (Initiated), so each callback gets one delivery.
describe('retrying a dead-lettered delivery through Bull Board', () => {
  let stack: Stack;
  let receiver: Receiver;
  let deliveries: TestDeliveryQueues;
  let fixed = false;
  const client = apiClient(() => stack.api);
  const board = () => request(stack.api.getHttpServer());

  beforeAll(async () => {
    stack = await startStack(
      () => ({ COUNTERPARTY_MODE: 'manual', DISPATCH_MAX_ATTEMPTS: '2', DISPATCH_BACKOFF_MS: '20' }),
      (call) => {
        if (call.path === '/flaky') return fixed ? { status: 200, body: 'back' } : { status: 500, body: 'boom' };
        if (call.path === '/down') return { status: 500, body: 'still down' };
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

  /** Creates a transfer calling back `path` and waits until its one delivery job is in the failed set. */
  const deadLetterTo = async (path: string): Promise<{ transferId: string; jobId: string }> => {
    const created = await client
      .post(
        '/management/v3/transferprocesses',
        transferRequest({ callbackAddresses: [{ uri: `${receiver.url}${path}`, events: ['transfer.process'] }] }),
      )
      .expect(200);
    const transferId: string = created.body['@id'];
    let jobId = '';
    await waitUntil(
      async () => {
        const failed = await deliveries.getFailed();
        jobId = failed.find((j) => j?.data?.entity?.id === transferId)?.id ?? '';
        return jobId !== '';
      },
      15_000,
      `the delivery of ${transferId} to be dead-lettered`,
    );
    return { transferId, jobId };
  };

  // The deliveries queue of the job's partition (`deliveries.p03`).
  const queueOf = (jobId: string) => deliveries.queues.of(jobId).name;

  const failedJobsOnBoard = async (jobId: string): Promise<BoardQueue> => {
    const res = await board()
      .get(`${BOARD}/queues?activeQueue=${queueOf(jobId)}&status=failed&jobsPerPage=100`)
      .auth('ops', API_KEY)
      .expect(200);
    return (res.body.queues as BoardQueue[]).find((q) => q.name === queueOf(jobId))!;
  };

  const boardJob = async (jobId: string): Promise<{ job: BoardJob; status: string }> =>
    (
      await board()
        .get(`${BOARD}/queues/${queueOf(jobId)}/${encodeURIComponent(jobId)}`)
        .auth('ops', API_KEY)
        .expect(200)
    ).body;

  const retryOnBoard = (jobId: string) => board().put(`${BOARD}/queues/${queueOf(jobId)}/${encodeURIComponent(jobId)}/retry`);

  const deliveryRecord = async (jobId: string): Promise<DeliveryRecord> =>
    (await client.get(`/management/v1/deliveries/${encodeURIComponent(jobId)}`).expect(200)).body;

  const attemptsOf = (d: DeliveryRecord) => d.attempts.map((a) => [a.series, a.attempt, a.status, a.outcome]);

  describe('a delivery that fails twice, then succeeds when retried from the board', () => {
    let transferId: string;
    let jobId: string;

    beforeAll(async () => {
      ({ transferId, jobId } = await deadLetterTo('/flaky'));
    });

    it('is listed in the failed jobs of the deliveries queue with its reason and two attempts made', async () => {
      expect(receiver.callsTo('/flaky')).toHaveLength(2);

      const queue = await failedJobsOnBoard(jobId);
      expect(queue.counts.failed).toBeGreaterThanOrEqual(1);
      const job = queue.jobs.find((j) => j.id === jobId);
      expect(job).toBeDefined();
      expect(job!.failedReason).toContain('HTTP 500');
      // The first attempt came straight from the event stream; the job made the second.
      expect(job!.attempts + (job!.data.attemptsBefore ?? 0)).toBe(2);
      expect(job!.isFailed).toBe(true);
      expect(job!.opts.attempts).toBe(2);
      expect(job!.data).toMatchObject({ eventId: receiver.callsTo('/flaky')[0].headers['webhook-id'], entity: { id: transferId } });

      const one = await boardJob(jobId);
      expect(one.status).toBe('failed');
      expect(one.job.failedReason).toContain('HTTP 500');
      expect(one.job.attempts + (one.job.data.attemptsBefore ?? 0)).toBe(2);
    });

    it('answers 401 without the API key, or with a wrong one, and retries nothing', async () => {
      const listing = await board()
        .get(`${BOARD}/queues?activeQueue=${queueOf(jobId)}&status=failed`)
        .expect(401);
      expect(listing.headers['www-authenticate']).toMatch(/^Basic /);
      await board()
        .get(`${BOARD}/queues/${queueOf(jobId)}/${encodeURIComponent(jobId)}`)
        .expect(401);
      await board().get(`${BOARD}/queues`).auth('ops', 'not-the-key').expect(401);
      await retryOnBoard(jobId).expect(401);
      await retryOnBoard(jobId).auth('ops', 'not-the-key').expect(401);

      expect(await deliveries.getJobState(jobId)).toBe('failed');
      expect(receiver.callsTo('/flaky')).toHaveLength(2);
    });

    it('delivers it again with the same webhook-id, logged as series 2 after the two failed attempts of series 1', async () => {
      const failed = await deliveryRecord(jobId);
      expect(failed.status).toBe('failed');
      expect(failed.series).toBe(1);
      expect(attemptsOf(failed)).toEqual([
        [1, 1, 500, 'retrying'],
        [1, 2, 500, 'failed'],
      ]);

      fixed = true;
      await retryOnBoard(jobId).auth('ops', API_KEY).expect(204);

      await receiver.waitFor((calls) => calls.filter((c) => c.path === '/flaky').length >= 3);
      const calls = receiver.callsTo('/flaky');
      expect(calls[2].headers['webhook-id']).toBe(calls[0].headers['webhook-id']);
      expect(calls[2].body).toBe(calls[0].body);

      let delivered = failed;
      await waitUntil(async () => (delivered = await deliveryRecord(jobId)).status === 'delivered', 10_000, 'the delivery to be delivered');
      expect(delivered.series).toBe(2);
      expect(attemptsOf(delivered)).toEqual([
        [1, 1, 500, 'retrying'],
        [1, 2, 500, 'failed'],
        [2, 1, 200, 'delivered'],
      ]);
      expect(delivered.attempts[2].response).toBe('back');

      await waitUntil(async () => (await boardJob(jobId)).status === 'completed', 5000, 'the job to complete on the board');
      expect(receiver.callsTo('/flaky')).toHaveLength(3);
    });
  });

  // docs/delivery.md: a retry "in Bull Board or with POST /management/v1/deliveries/{id}/retry"
  // starts "a new series of attempts": DISPATCH_MAX_ATTEMPTS of them, numbered from 1.
  it('gives a dead letter retried from the board a full new series when it keeps failing', async () => {
    const { jobId } = await deadLetterTo('/down');
    expect(receiver.callsTo('/down')).toHaveLength(2);

    await retryOnBoard(jobId).auth('ops', API_KEY).expect(204);
    await waitUntil(
      async () => {
        const current = await deliveryRecord(jobId);
        return current.series === 2 && current.status === 'failed' && (await deliveries.getJobState(jobId)) === 'failed';
      },
      10_000,
      'the second series to be dead-lettered',
    );
    // Let a (wrong) extra attempt of series 2 show up if there were one.
    await new Promise((r) => setTimeout(r, 300));
    const record = await deliveryRecord(jobId);

    expect(attemptsOf(record)).toEqual([
      [1, 1, 500, 'retrying'],
      [1, 2, 500, 'failed'],
      [2, 1, 500, 'retrying'],
      [2, 2, 500, 'failed'],
    ]);
    const webhookIds = receiver.callsTo('/down').map((c) => c.headers['webhook-id']);
    expect(webhookIds).toEqual(Array(4).fill(webhookIds[0]));
  });
});
