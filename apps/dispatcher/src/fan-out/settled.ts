import { JobsOptions } from 'bullmq';
import { AttemptRecord, attemptRecord, DeliveryJobData, maskUri } from '@app/delivery';
import { AttemptResult } from '../attempts/attempt-runner';

/** How a delivery taken from the event stream ended its first try, and what it still needs. */
export interface Settled {
  id: string;
  delivery: DeliveryJobData;
  /** The first attempt, to record; absent when none was made (the endpoint said wait). */
  attempt?: Omit<AttemptRecord, 'series'>;
  /** The deliveries-queue job that carries it on: retries, the wait, or the dead letter. */
  job?: { data: DeliveryJobData; opts: JobsOptions };
}

/** A first attempt made: delivered (done), retrying (a job after the backoff) or failed (a dead letter). */
export function settledFirstAttempt(id: string, delivery: DeliveryJobData, result: Extract<AttemptResult, { kind: 'attempted' }>): Settled {
  const { at, outcome } = result;
  const attempt = attemptRecord(1, at, outcome, result.status);
  if (result.status === 'delivered') return { id, delivery, attempt };
  if (result.status === 'failed')
    return {
      id,
      delivery,
      attempt,
      job: { data: { ...delivery, deadLetter: `${outcome.error} (attempt 1 to ${maskUri(delivery.endpoint.uri)})` }, opts: {} },
    };
  return { id, delivery, attempt, job: { data: { ...delivery, attemptsBefore: 1 }, opts: { delay: result.retryInMs } } };
}

/** No attempt made (the endpoint's bulkhead or circuit said wait, or our side failed): a job that waits. */
export function settledWithoutAttempt(id: string, delivery: DeliveryJobData, delayMs: number): Settled {
  return { id, delivery, job: { data: delivery, opts: { delay: delayMs } } };
}
