import { RetryPolicy } from './retry-policy';

describe('the retry policy', () => {
  const schedule = { maxAttempts: 8, backoffMs: 1000, backoffMaxMs: 60_000 };
  const fixed = (value: number) => () => value;
  const policy = new RetryPolicy(schedule, fixed(0.5));
  const failed = { ok: false, final: false };

  it('is delivered on success, retrying while attempts are left, and failed for good or on the last attempt', () => {
    expect(policy.next({ ok: true, final: false }, 8)).toEqual({ status: 'delivered' });
    expect(policy.next(failed, 1)).toEqual({ status: 'retrying', retryInMs: 1000 });
    expect(policy.next(failed, 7)).toEqual({ status: 'retrying', retryInMs: 60_000 });
    expect(policy.next(failed, 8)).toEqual({ status: 'failed' });
    expect(policy.next({ ok: false, final: true }, 1)).toEqual({ status: 'failed' });
  });

  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, 16_000],
  ])('doubles per attempt: after attempt %i, %i ms', (attempt, expected) => {
    expect(policy.delayAfter(attempt)).toBe(expected);
  });

  it('jitters between 0.8x and 1.2x', () => {
    expect(new RetryPolicy(schedule, fixed(0)).delayAfter(1)).toBe(800);
    expect(new RetryPolicy(schedule, fixed(1)).delayAfter(1)).toBe(1200);
    expect(new RetryPolicy(schedule, fixed(0)).delayAfter(3)).toBe(3200);
    expect(new RetryPolicy(schedule, fixed(1)).delayAfter(3)).toBe(4800);
  });

  it('never exceeds DISPATCH_BACKOFF_MAX_MS', () => {
    expect(policy.delayAfter(7)).toBe(60_000);
    expect(new RetryPolicy(schedule, fixed(1)).delayAfter(7)).toBe(60_000);
    expect(policy.delayAfter(2000)).toBe(60_000);
  });

  it('doubles the delay once more when the receiver asks to slow down (429, 503)', () => {
    expect(policy.delayAfter(2, { status: 429 })).toBe(4000);
    expect(policy.delayAfter(2, { status: 503 })).toBe(4000);
    expect(policy.delayAfter(2, { status: 500 })).toBe(2000);
  });

  it('lets a longer Retry-After of a 429 or 503 lengthen the delay, within the cap, and never shorten it', () => {
    expect(policy.delayAfter(1, { status: 503, retryAfterMs: 30_000 })).toBe(30_000);
    expect(policy.delayAfter(1, { status: 503, retryAfterMs: 10 * 60_000 })).toBe(60_000);
    expect(policy.delayAfter(3, { status: 429, retryAfterMs: 100 })).toBe(8000);
    expect(policy.delayAfter(1, { status: 500, retryAfterMs: 30_000 })).toBe(1000);
  });

  it('waits after store failures the same doubling, capped at 30 s, using no attempt', () => {
    expect(policy.delayAfterStoreFailure(0)).toBe(1000);
    expect(policy.delayAfterStoreFailure(1)).toBe(2000);
    expect(policy.delayAfterStoreFailure(3)).toBe(8000);
    expect(policy.delayAfterStoreFailure(50)).toBe(30_000);
    expect(new RetryPolicy({ ...schedule, backoffMaxMs: 5000 }, fixed(1)).delayAfterStoreFailure(50)).toBe(5000);
  });
});
