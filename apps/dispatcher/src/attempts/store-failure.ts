import { Logger } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { RetryPolicy } from '@app/delivery';
import { AppMetrics, storeUnavailableReason } from '@app/platform';

/** How often a write that Redis refused is tried again while the job still holds its lock. */
const WRITE_RETRY_MS = 250;

/**
 * Makes `write` until it goes through or `withinMs` has passed, then throws its last error.
 * For what must be written after a POST was made (its record): tried again in place, briefly,
 * instead of parking the job, whose next run would POST again (a duplicate to the receiver).
 */
export async function writeWithin(withinMs: number, write: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      await write();
      return;
    } catch (err) {
      if (Date.now() + WRITE_RETRY_MS > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, WRITE_RETRY_MS));
    }
  }
}

/** What a worker parking a job tells: the retry policy, its metrics and its log. */
export interface ParkingContext {
  policy: RetryPolicy;
  metrics: AppMetrics;
  logger: Logger;
}

/**
 * Puts back a job that failed because of our side (Redis refusing a write or a read, the
 * connection gone), **without using one of its attempts**: no accepted event may stop being
 * retried because our store failed, however long that lasts. Always throws BullMQ's
 * `DelayedError`, which tells the worker the job is taken care of. If Redis refuses the move
 * to the delayed set as well, the job is left active without a lock, and BullMQ's stall check
 * puts it back in the queue once Redis takes writes again: no attempt is used either way.
 */
export async function parkAfterStoreFailure(
  job: Job,
  token: string | undefined,
  err: unknown,
  { policy, metrics, logger }: ParkingContext,
): Promise<never> {
  const error = err instanceof Error ? err.message : String(err);
  const reason = storeUnavailableReason(err);
  if (reason) metrics.storeUnavailable.inc({ reason });
  // Runs of the job before this one that used no attempt (parks, failures on our side).
  const retryInMs = policy.delayAfterStoreFailure(Math.max(0, job.attemptsStarted - job.attemptsMade - 1));
  logger.warn({ msg: 'store failure, job parked without using an attempt', queue: job.queueName, jobId: job.id, reason, error, retryInMs });
  try {
    await job.moveToDelayed(Date.now() + retryInMs, token);
  } catch (moveErr) {
    logger.warn({
      msg: 'store failure, job left to the stall check',
      queue: job.queueName,
      jobId: job.id,
      error: (moveErr as Error).message,
    });
  }
  throw new DelayedError(`Our store failed (${error}); tried again in ${retryInMs} ms`);
}
