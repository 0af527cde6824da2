import pino from 'pino';
import { PinoLogger } from 'nestjs-pino';
import { Logger } from '@nestjs/common';
import { AttemptOutcome, CallbackSender, DeliveryJobData } from '@app/delivery';
import { AppMetrics, loadConfig } from '@app/platform';
import { AttemptRunner } from './attempt-runner';

const delivery = (uri = 'https://hooks.example/cb'): DeliveryJobData => ({
  eventId: 'evt-1',
  eventType: 'TransferProcessCompleted',
  entity: { kind: 'transferprocess', id: 'tp-1' },
  sequence: 4,
  endpoint: { uri },
});

const delivered: AttemptOutcome = { ok: true, final: false, status: 204, latencyMs: 3 };
const httpError = (status: number, over: Partial<AttemptOutcome> = {}): AttemptOutcome => ({ ok: false, final: status === 410, status, latencyMs: 3, error: `HTTP ${status}`, ...over });
const unreachable: AttemptOutcome = { ok: false, final: false, latencyMs: 10_000, error: 'Timed out after 10000 ms' };
const refused: AttemptOutcome = { ok: false, final: true, latencyMs: 0, error: 'Refused destination: 10.0.0.1 is a private address' };

/** A runner whose sender answers each attempt with the next of `outcomes` (an Error is thrown). */
function runnerWith(outcomes: (AttemptOutcome | Error)[], env: Record<string, string> = {}) {
  const send = jest.fn(async () => {
    const next = outcomes.shift();
    if (!next) throw new Error('no outcome left for this attempt');
    if (next instanceof Error) throw next;
    return next;
  });
  const metrics = new AppMetrics('dispatcher');
  // Attempt lines go to a silent pino (the runner writes them through nestjs-pino's root logger).
  const lines = { logger: pino({ level: 'silent' }) } as unknown as PinoLogger;
  const runner = new AttemptRunner({ send } as unknown as CallbackSender, loadConfig({ DISPATCH_MAX_ATTEMPTS: '3', ...env }), metrics, lines);
  return { runner, send, metrics };
}

// How one attempt's outcome becomes a delivery's status (delivered, retrying, failed), which
// the delivery log, the metrics and the retry schedule all follow.
describe('AttemptRunner', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('marks a 2xx as delivered', async () => {
    const { runner } = runnerWith([delivered]);
    expect(await runner.run('d-1', delivery(), '{}', 1)).toMatchObject({ kind: 'attempted', status: 'delivered', outcome: delivered });
  });

  it('marks a failure that may pass later as retrying while attempts are left', async () => {
    const { runner } = runnerWith([httpError(500), httpError(404), unreachable]);
    expect(await runner.run('d-1', delivery(), '{}', 1)).toMatchObject({ status: 'retrying' });
    expect(await runner.run('d-1', delivery(), '{}', 2)).toMatchObject({ status: 'retrying' });
    expect(await runner.run('d-1', delivery('https://other.example'), '{}', 1)).toMatchObject({ status: 'retrying' });
  });

  it('marks the last of DISPATCH_MAX_ATTEMPTS attempts as failed when it fails', async () => {
    const { runner } = runnerWith([httpError(500), delivered]);
    expect(await runner.run('d-1', delivery(), '{}', 3)).toMatchObject({ status: 'failed' });
    expect(await runner.run('d-1', delivery(), '{}', 3)).toMatchObject({ status: 'delivered' });
  });

  it('marks a final failure (410 Gone, a refused destination) as failed at the first attempt', async () => {
    const { runner } = runnerWith([httpError(410), refused]);
    expect(await runner.run('d-1', delivery(), '{}', 1)).toMatchObject({ status: 'failed' });
    expect(await runner.run('d-2', delivery('https://b.example'), '{}', 1)).toMatchObject({ status: 'failed' });
  });

  it('lets a failure on our side through without using an attempt, and frees the slot', async () => {
    const { runner, send } = runnerWith([new Error('Redis unavailable'), delivered], { DISPATCH_ENDPOINT_CONCURRENCY: '1' });
    await expect(runner.run('d-1', delivery(), '{}', 1)).rejects.toThrow('Redis unavailable');
    expect(await runner.run('d-1', delivery(), '{}', 1)).toMatchObject({ kind: 'attempted', status: 'delivered' });
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('parks an endpoint that failed CIRCUIT_FAILURE_THRESHOLD times in a row, without sending or using an attempt', async () => {
    const { runner, send } = runnerWith([httpError(503), httpError(500)], { CIRCUIT_FAILURE_THRESHOLD: '2', CIRCUIT_OPEN_MS: '30000' });
    await runner.run('d-1', delivery(), '{}', 1);
    await runner.run('d-2', delivery(), '{}', 1);
    const parked = await runner.run('d-3', delivery(), '{}', 1);
    expect(parked).toMatchObject({ kind: 'parked', reason: 'circuit open' });
    expect((parked as { retryInMs: number }).retryInMs).toBeGreaterThanOrEqual(30_000);
    expect(send).toHaveBeenCalledTimes(2);
    expect(runner.openCircuits()).toEqual([{ endpoint: 'https://hooks.example/cb', scope: 'endpoint', state: 'open' }]);
  });

  it('does not hold an endpoint back for answers that say nothing of its health (4xx)', async () => {
    const { runner } = runnerWith([httpError(400), httpError(404), httpError(422), delivered], { CIRCUIT_FAILURE_THRESHOLD: '2' });
    for (const id of ['d-1', 'd-2', 'd-3']) expect(await runner.run(id, delivery(), '{}', 1)).toMatchObject({ kind: 'attempted', status: 'retrying' });
    expect(await runner.run('d-4', delivery(), '{}', 1)).toMatchObject({ kind: 'attempted', status: 'delivered' });
  });

  it('counts each attempt in callback_delivery_attempts_total by its status', async () => {
    const { runner, metrics } = runnerWith([delivered, httpError(500), httpError(500)]);
    await runner.run('d-1', delivery(), '{}', 1);
    await runner.run('d-2', delivery('https://b.example'), '{}', 1);
    await runner.run('d-3', delivery('https://c.example'), '{}', 3);
    const values = (await metrics.deliveries.get()).values.map((v) => [v.labels.outcome, v.value]);
    expect(Object.fromEntries(values)).toEqual({ delivered: 1, retrying: 1, failed: 1 });
  });
});
