import { verdictOnReply } from './reply-outcome';

describe('what a reply means for a delivery', () => {
  it('counts every 2xx as delivered', () => {
    for (const status of [200, 201, 202, 204, 299]) expect(verdictOnReply(status)).toEqual({ ok: true, final: false });
  });

  it('fails for good on 410 Gone, and retries every other failure', () => {
    expect(verdictOnReply(410)).toEqual({ ok: false, final: true, error: 'HTTP 410' });
    for (const status of [400, 401, 404, 409, 422, 500, 502, 504])
      expect(verdictOnReply(status)).toEqual({ ok: false, final: false, error: `HTTP ${status}` });
  });

  it('does not follow redirects, and says so', () => {
    for (const status of [301, 302, 307, 308])
      expect(verdictOnReply(status)).toEqual({ ok: false, final: false, error: `HTTP ${status} (redirects are not followed)` });
  });

  it('honours Retry-After on 429 and 503 only', () => {
    expect(verdictOnReply(429, '7').retryAfterMs).toBe(7000);
    expect(verdictOnReply(503, '2').retryAfterMs).toBe(2000);
    expect(verdictOnReply(500, '7').retryAfterMs).toBeUndefined();
    expect(verdictOnReply(429, 'soon').retryAfterMs).toBeUndefined();
  });
});
