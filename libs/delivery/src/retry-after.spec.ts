import { parseRetryAfter } from './retry-after';

// RFC 9110 §10.2.3: Retry-After is delay-seconds or an HTTP-date (IMF-fixdate).
describe('parseRetryAfter', () => {
  const now = Date.UTC(2025, 5, 1, 12, 0, 0);

  it('reads delay-seconds as milliseconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter('3600', now)).toBe(3_600_000);
  });

  it('tolerates spaces around delay-seconds', () => {
    expect(parseRetryAfter(' 30 ', now)).toBe(30_000);
  });

  it('reads an IMF-fixdate as the time left until it', () => {
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:02:00 GMT', now)).toBe(120_000);
  });

  it('reads a date already past as "retry now", never as a negative delay', () => {
    expect(parseRetryAfter('Sun, 01 Jun 2025 11:00:00 GMT', now)).toBe(0);
  });

  it.each([
    ['+5'],
    ['5s'],
    ['1e3'],
    ['1.5'],
    ['-1'],
    ['2025-06-01T12:02:00Z'],
    ['Sun, 01 Jun 2025 12:02:00 +0000'],
    ['Sun, 99 Foo 2025 99:99:99 GMT'],
  ])('ignores %p, which is neither delay-seconds nor an HTTP date', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });

  it('ignores a missing or empty header', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
  });
});
