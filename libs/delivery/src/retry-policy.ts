import type { DispatchConfig } from '@app/platform';
import type { AttemptOutcome } from './callback-sender.service';

/** The schedule's settings: `DISPATCH_MAX_ATTEMPTS`, `DISPATCH_BACKOFF_MS`, `DISPATCH_BACKOFF_MAX_MS`. */
export type RetrySchedule = Pick<DispatchConfig, 'maxAttempts' | 'backoffMs' | 'backoffMaxMs'>;

/** What an attempt's outcome decides for its delivery. */
export type NextStep = { status: 'delivered' } | { status: 'retrying'; retryInMs: number } | { status: 'failed' };

/** The longest a job waits between two tries while Redis refuses our writes. */
const STORE_RETRY_MAX_MS = 30_000;

/** The receiver said it is overloaded: its `Retry-After` counts, and the schedule waits longer. */
export function asksToSlowDown(status: number | undefined): boolean {
  return status === 429 || status === 503;
}

/**
 * The one retry policy: every part of the product that asks "what now, and when" after an
 * attempt, or after our own store failed, asks this (first attempts from the event stream,
 * retries in the deliveries queue, jobs parked on a store failure). Changing the schedule
 * changes this file.
 *
 * - An attempt that is not the last and did not fail for good (410, a refused destination) is
 *   retried after `DISPATCH_BACKOFF_MS` doubled per attempt made, with ±20% jitter so the
 *   retries of a burst spread out, never above `DISPATCH_BACKOFF_MAX_MS`.
 * - A 429 or 503 doubles that once more (slow down), and the receiver's `Retry-After` lengthens
 *   it (never shortens it), within the same cap.
 * - A run that failed on our side (Redis refusing a read or a write) uses no attempt: it waits
 *   the same doubling per such run, capped at 30 s (or the schedule's cap if lower), so a store
 *   that refused writes for minutes is tried again soon after it takes them again.
 */
export class RetryPolicy {
  constructor(
    private readonly schedule: RetrySchedule,
    private readonly random: () => number = Math.random,
  ) {}

  get maxAttempts(): number {
    return this.schedule.maxAttempts;
  }

  /** After attempt number `attempt` (1 = first) ended with `outcome`. */
  next(outcome: Pick<AttemptOutcome, 'ok' | 'final' | 'status' | 'retryAfterMs'>, attempt: number): NextStep {
    if (outcome.ok) return { status: 'delivered' };
    if (outcome.final || attempt >= this.schedule.maxAttempts) return { status: 'failed' };
    return { status: 'retrying', retryInMs: this.delayAfter(attempt, outcome) };
  }

  /** The wait after failed attempt number `attempt`; `reply` is what the receiver answered, if anything. */
  delayAfter(attempt: number, reply: Pick<AttemptOutcome, 'status' | 'retryAfterMs'> = {}): number {
    const slowDown = asksToSlowDown(reply.status) ? 2 : 1;
    const exponential = slowDown * this.schedule.backoffMs * 2 ** Math.min(Math.max(0, attempt - 1), 30);
    const retryAfter = asksToSlowDown(reply.status) ? (reply.retryAfterMs ?? 0) : 0;
    return Math.min(this.schedule.backoffMaxMs, Math.max(this.jittered(exponential), retryAfter));
  }

  /** The wait before a job runs again after a run that failed on our side, `earlier` such runs before it. */
  delayAfterStoreFailure(earlier: number): number {
    const cap = Math.min(STORE_RETRY_MAX_MS, this.schedule.backoffMaxMs);
    return Math.min(cap, this.jittered(Math.min(cap, this.schedule.backoffMs * 2 ** Math.min(Math.max(0, earlier), 30))));
  }

  private jittered(ms: number): number {
    return Math.round(ms * (0.8 + 0.4 * this.random()));
  }
}
