import { perUri } from './per-uri';

/** Longest callback URI accepted, in characters (what browsers and most servers take). */
export const MAX_URI_LENGTH = 2048;
/** DNS limits (RFC 1035): a name of at most 253 characters, each label at most 63. */
export const MAX_HOSTNAME_LENGTH = 253;
export const MAX_LABEL_LENGTH = 63;

/**
 * Why `value` is not an absolute `http:` or `https:` URL with a host that DNS can hold, or null
 * when it is one. The host is judged as WHATWG `URL` normalises it (punycode, lower case).
 * Remembered per URI: a create judges its URIs three times, and parsing one is dear in the running api.
 */
export function httpUrlProblem(value: unknown): string | null {
  if (typeof value !== 'string') return INVALID_URL;
  if (value.length > MAX_URI_LENGTH) return `must be at most ${MAX_URI_LENGTH} characters long`;
  return problemOfUri(value);
}

const INVALID_URL = 'must be an absolute http or https URL';

const problemOfUri = perUri((value): string | null => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return INVALID_URL;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname.length === 0) return INVALID_URL;
  if (url.hostname.startsWith('[')) return null; // an IPv6 literal
  const host = url.hostname.replace(/\.$/, '');
  if (host.length > MAX_HOSTNAME_LENGTH) return `must have a host name of at most ${MAX_HOSTNAME_LENGTH} characters`;
  const labels = host.split('.');
  if (labels.some((label) => label.length === 0)) return 'must not have an empty label in its host name';
  if (labels.some((label) => label.length > MAX_LABEL_LENGTH))
    return `must have host name labels of at most ${MAX_LABEL_LENGTH} characters`;
  return null;
});

/** An absolute `http:` or `https:` URL with a host, within the length limits above. */
export function isAbsoluteHttpUrl(value: unknown): value is string {
  return httpUrlProblem(value) === null;
}
