import { Logger } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import Redis from 'ioredis';
import { AttemptOutcome, DeliveryJobData, DeliveryLog, EventBodyStore } from '@app/delivery';
import { AppMetrics, loadConfig, Partitions } from '@app/platform';
import { AttemptResult, AttemptRunner } from './attempt-runner';
import { DeliveryWorker } from './delivery.worker';
import { RetryableDeliveryError, retryDelayMs } from './retry-policy';

const data = (over: Partial<DeliveryJobData> = {}): DeliveryJobData => ({
  eventId: 'evt-1',
  eventType: 'TransferProcessStarted',
  entity: { kind: 'transferprocess', id: 'tp-1' },
  sequence: 2,
  endpoint: { uri: 'https://hooks.example/cb' },
  ...over,
});

/** A BullMQ job as the worker sees it, `attemptsMade` attempts into its series. */
const jobOf = (attemptsMade: number, over: Partial<DeliveryJobData> = {}) =>
  ({ id: 'evt-1.0123456789abcdef', queueName: 'deliveries', data: data(over), attemptsMade, attemptsStarted: attemptsMade + 1, moveToDelayed: jest.fn(async () => undefined) }) as unknown as Job<DeliveryJobData> & {
    moveToDelayed: jest.Mock;
  };

const config = loadConfig({ DISPATCH_MAX_ATTEMPTS: '5', DISPATCH_BACKOFF_MS: '1000', DISPATCH_BACKOFF_MAX_MS: '600000' });

/** The worker with an attempt runner that answers `result`, and no Redis behind its stores. */
function workerAnswering(result: AttemptResult | ((attempt: number) => AttemptResult)) {
  const runner = { run: jest.fn(async (_id: string, _d: DeliveryJobData, _b: string, attempt: number) => (typeof result === 'function' ? result(attempt) : result)) };
  const log = { recordAttempt: jest.fn(async () => undefined) };
  const bodies = { read: jest.fn(async () => '{"id":"evt-1"}'), release: jest.fn(async () => undefined), hold: jest.fn(async () => undefined) };
  const worker = new DeliveryWorker(
    runner as unknown as AttemptRunner,
    log as unknown as DeliveryLog,
    bodies as unknown as EventBodyStore,
    config,
    {} as Redis,
    new Partitions('test', 1),
    new AppMetrics('dispatcher'),
  );
  return { worker, runner, log, bodies };
}

const attempted = (outcome: AttemptOutcome, status: 'delivered' | 'retrying' | 'failed'): AttemptResult => ({ kind: 'attempted', at: Date.now(), outcome, status });

/** What the worker throws for `job` (BullMQ reads it as: retry, fail for good, or delayed). */
async function thrownBy(worker: DeliveryWorker, job: Job<DeliveryJobData>): Promise<Error> {
  try {
    await worker.deliver(job);
  } catch (err) {
    return err as Error;
  }
  throw new Error('the job completed');
}

// How the retries worker hands an attempt's status to BullMQ: complete, retry on our schedule,
// or fail for good (the dead letter, retryable from the API or Bull Board).
describe('DeliveryWorker', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('completes a delivered job, records the attempt and lets go of the event body', async () => {
    const outcome: AttemptOutcome = { ok: true, final: false, status: 200, latencyMs: 5 };
    const { worker, log, bodies } = workerAnswering(attempted(outcome, 'delivered'));
    await expect(worker.deliver(jobOf(0))).resolves.toBe(outcome);
    expect(log.recordAttempt).toHaveBeenCalledWith('evt-1.0123456789abcdef', expect.anything(), expect.objectContaining({ attempt: 1, status: 200, outcome: 'delivered' }), 'delivered');
    expect(bodies.release).toHaveBeenCalledWith('evt-1', 'evt-1.0123456789abcdef');
  });

  it('throws a retryable error for a retrying attempt, naming the attempt and the endpoint', async () => {
    const { worker } = workerAnswering(attempted({ ok: false, final: false, status: 500, latencyMs: 5, error: 'HTTP 500' }, 'retrying'));
    const err = await thrownBy(worker, jobOf(1));
    expect(err).toBeInstanceOf(RetryableDeliveryError);
    expect(err.message).toBe('HTTP 500 (attempt 2 to https://hooks.example/cb)');
    expect((err as RetryableDeliveryError).slowDown).toBe(false);
  });

  it.each([429, 503])('asks the schedule to slow down after a %i and passes its Retry-After on', async (status) => {
    const { worker } = workerAnswering(attempted({ ok: false, final: false, status, latencyMs: 5, error: `HTTP ${status}`, retryAfterMs: 90_000 }, 'retrying'));
    const err = (await thrownBy(worker, jobOf(0))) as RetryableDeliveryError;
    expect(err).toMatchObject({ slowDown: true, retryAfterMs: 90_000 });
    // So the next attempt waits the Retry-After, or twice the schedule, whichever is longer.
    expect(retryDelayMs(1, config.dispatch, err, () => 0.5)).toBe(90_000);
    expect(retryDelayMs(8, config.dispatch, err, () => 0.5)).toBe(256_000);
  });

  it('fails a job for good when its attempt failed for good, and keeps the event body for a retry by hand', async () => {
    const { worker, bodies } = workerAnswering(attempted({ ok: false, final: true, status: 410, latencyMs: 5, error: 'HTTP 410' }, 'failed'));
    const err = await thrownBy(worker, jobOf(0));
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(err.message).toBe('HTTP 410 (attempt 1 to https://hooks.example/cb)');
    expect(bodies.hold).toHaveBeenCalledWith('evt-1', '{"id":"evt-1"}', ['evt-1.0123456789abcdef']);
  });

  it('counts the attempt made before the job existed when numbering attempts', async () => {
    const { worker, runner } = workerAnswering(attempted({ ok: false, final: false, status: 502, latencyMs: 5, error: 'HTTP 502' }, 'retrying'));
    const err = await thrownBy(worker, jobOf(2, { attemptsBefore: 1 }));
    expect(runner.run).toHaveBeenCalledWith(expect.any(String), expect.anything(), expect.any(String), 4);
    expect(err.message).toContain('(attempt 4 to ');
  });

  it('fails at once, sending nothing, a job that only stands for a first attempt that failed for good', async () => {
    const { worker, runner } = workerAnswering(attempted({ ok: true, final: false, latencyMs: 0 }, 'delivered'));
    const err = await thrownBy(worker, jobOf(0, { deadLetter: 'Refused destination: 10.0.0.1 is a private address' }));
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(err.message).toBe('Refused destination: 10.0.0.1 is a private address');
    expect(runner.run).not.toHaveBeenCalled();
  });

  it('fails for good, sending nothing, when the event body is no longer stored', async () => {
    const { worker, runner, bodies } = workerAnswering(attempted({ ok: true, final: false, latencyMs: 0 }, 'delivered'));
    bodies.read.mockResolvedValueOnce(null as unknown as string);
    const err = await thrownBy(worker, jobOf(0));
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(err.message).toMatch(/^The event's body is no longer stored; nothing was sent/);
    expect(runner.run).not.toHaveBeenCalled();
  });

  it('delays a parked job without using an attempt', async () => {
    const { worker, log } = workerAnswering({ kind: 'parked', retryInMs: 5000, reason: 'circuit open' });
    const job = jobOf(1);
    const before = Date.now();
    const err = await thrownBy(worker, job);
    expect(err).toBeInstanceOf(DelayedError);
    expect(job.moveToDelayed.mock.calls[0][0]).toBeGreaterThanOrEqual(before + 5000);
    expect(log.recordAttempt).not.toHaveBeenCalled();
  });

  it('delays the job without using an attempt when our store fails to record the attempt', async () => {
    const { worker, log } = workerAnswering(attempted({ ok: false, final: false, status: 500, latencyMs: 5, error: 'HTTP 500' }, 'retrying'));
    log.recordAttempt.mockRejectedValueOnce(new Error('READONLY You can\'t write against a read only replica.'));
    const job = jobOf(0);
    expect(await thrownBy(worker, job)).toBeInstanceOf(DelayedError);
    expect(job.moveToDelayed).toHaveBeenCalledTimes(1);
  });
});
