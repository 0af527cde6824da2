import { parseRetryAfter } from './retry-after';
import { asksToSlowDown } from './retry-policy';

/** What an HTTP reply means for a delivery, before the attempt's timing and body are added. */
export interface ReplyVerdict {
  /** 2xx: delivered. */
  ok: boolean;
  /** No retry can change it: 410 Gone (the receiver says the endpoint is gone for good). */
  final: boolean;
  error?: string;
  /** The receiver's Retry-After, honoured only on 429 and 503 (clamped by the retry policy). */
  retryAfterMs?: number;
}

/**
 * The verdict on a reply with `status`: 2xx is success; 410 fails for good; a redirect is a
 * failure that retries (redirects are not followed); every other status retries, with the
 * receiver's `Retry-After` when it is 429 or 503.
 */
export function verdictOnReply(status: number, retryAfterHeader?: string): ReplyVerdict {
  if (status >= 200 && status < 300) return { ok: true, final: false };
  const retryAfterMs = asksToSlowDown(status) ? parseRetryAfter(retryAfterHeader) : undefined;
  return {
    ok: false,
    final: status === 410,
    error: status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}
