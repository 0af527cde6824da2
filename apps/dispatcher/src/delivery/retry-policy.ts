import { DispatchConfig } from '@app/platform';

/** A failed attempt that may be retried; `retryAfterMs` is the receiver's `Retry-After`. */
export class RetryableDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    /** The receiver said it is overloaded (429, 503): wait longer than the schedule. */
    readonly slowDown = false,
  ) {
    super(message);
    this.name = 'RetryableDeliveryError';
  }
}

/**
 * Delay before the next attempt: `DISPATCH_BACKOFF_MS` doubled per attempt, ±20% jitter so
 * retries of a burst spread out, never above `DISPATCH_BACKOFF_MAX_MS`. A 429 or 503 doubles
 * it once more (slow down), and a receiver's `Retry-After` lengthens it (never shortens it),
 * within the same cap.
 */
export function retryDelayMs(
  attemptsMade: number,
  dispatch: Pick<DispatchConfig, 'backoffMs' | 'backoffMaxMs'>,
  err?: Error,
  random = Math.random,
): number {
  const slowDown = err instanceof RetryableDeliveryError && err.slowDown ? 2 : 1;
  const exponential = slowDown * dispatch.backoffMs * 2 ** Math.max(0, attemptsMade - 1);
  const jittered = Math.round(exponential * (0.8 + 0.4 * random()));
  const retryAfter = err instanceof RetryableDeliveryError ? (err.retryAfterMs ?? 0) : 0;
  return Math.min(dispatch.backoffMaxMs, Math.max(jittered, retryAfter));
}
