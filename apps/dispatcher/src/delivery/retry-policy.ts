import { DispatchConfig } from '@app/platform';

/** A failed attempt that may be retried; `retryAfterMs` is the receiver's `Retry-After`. */
export class RetryableDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryableDeliveryError';
  }
}

/**
 * Delay before the next attempt: `DISPATCH_BACKOFF_MS` doubled per attempt, ±20% jitter so
 * retries of a burst spread out, never above `DISPATCH_BACKOFF_MAX_MS`. A receiver's
 * `Retry-After` lengthens the delay (never shortens it) within the same cap.
 */
export function retryDelayMs(attemptsMade: number, dispatch: DispatchConfig, err?: Error, random = Math.random): number {
  const exponential = dispatch.backoffMs * 2 ** Math.max(0, attemptsMade - 1);
  const jittered = Math.round(exponential * (0.8 + 0.4 * random()));
  const retryAfter = err instanceof RetryableDeliveryError ? (err.retryAfterMs ?? 0) : 0;
  return Math.min(dispatch.backoffMaxMs, Math.max(jittered, retryAfter));
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  // Only an IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`); Date.parse alone accepts "1.5".
  if (!/GMT$/.test(value.trim())) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
