import type { DispatchConfig } from '@app/platform';
import { parseRetryAfter } from '@app/delivery';
import { RetryableDeliveryError, retryDelayMs } from './retry-policy';

describe('retry policy', () => {
  const dispatch: Pick<DispatchConfig, 'backoffMs' | 'backoffMaxMs'> = { backoffMs: 1000, backoffMaxMs: 60_000 };
  const fixed = (value: number) => () => value;
  const mid = fixed(0.5);

  it('waits exactly backoffMs after the first attempt when jitter is centred', () => {
    expect(retryDelayMs(1, dispatch, undefined, mid)).toBe(1000);
  });

  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, 16_000],
  ])('doubles per attempt: attempt %i -> %i ms', (attempt, expected) => {
    expect(retryDelayMs(attempt, dispatch, undefined, mid)).toBe(expected);
  });

  it('jitters between 0.8x and 1.2x', () => {
    expect(retryDelayMs(1, dispatch, undefined, fixed(0))).toBe(800);
    expect(retryDelayMs(1, dispatch, undefined, fixed(1))).toBe(1200);
    expect(retryDelayMs(3, dispatch, undefined, fixed(0))).toBe(3200);
    expect(retryDelayMs(3, dispatch, undefined, fixed(1))).toBe(4800);
  });

  it('never exceeds backoffMaxMs', () => {
    expect(retryDelayMs(7, dispatch, undefined, mid)).toBe(60_000);
    expect(retryDelayMs(7, dispatch, undefined, fixed(1))).toBe(60_000);
    expect(retryDelayMs(2000, dispatch, undefined, mid)).toBe(60_000);
  });

  it('lets a longer Retry-After lengthen the delay, within the cap', () => {
    expect(retryDelayMs(1, dispatch, new RetryableDeliveryError('503', 30_000), mid)).toBe(30_000);
    expect(retryDelayMs(1, dispatch, new RetryableDeliveryError('503', 10 * 60_000), mid)).toBe(60_000);
  });

  it('does not let a shorter Retry-After shorten the delay', () => {
    expect(retryDelayMs(3, dispatch, new RetryableDeliveryError('429', 100), mid)).toBe(4000);
    expect(retryDelayMs(3, dispatch, new RetryableDeliveryError('429', 0), mid)).toBe(4000);
  });

  it('ignores retryAfterMs on errors that are not RetryableDeliveryError', () => {
    const plain = Object.assign(new Error('boom'), { retryAfterMs: 30_000 });
    expect(retryDelayMs(1, dispatch, plain, mid)).toBe(1000);
  });

  it('parses Retry-After seconds', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
  });

  it('parses a Retry-After HTTP date relative to now', () => {
    const now = Date.UTC(2024, 0, 15, 12, 0, 0);
    const header = new Date(now + 30_000).toUTCString();
    expect(parseRetryAfter(header, now)).toBe(30_000);
  });

  it.each([['soon'], ['not a date at all'], [''], [undefined], ['1.5'], ['-1']])('returns undefined for %p', (value) => {
    expect(parseRetryAfter(value)).toBeUndefined();
  });

  it('doubles the delay once more when the receiver asked to slow down (429, 503)', () => {
    expect(retryDelayMs(2, dispatch, new RetryableDeliveryError('HTTP 429', undefined, true), mid)).toBe(4000);
    expect(retryDelayMs(2, dispatch, new RetryableDeliveryError('HTTP 500'), mid)).toBe(2000);
  });
});
