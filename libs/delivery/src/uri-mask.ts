import { perUri } from '@app/events';
import { SECRET_MASK } from './secret-mask';

/** Query parameters whose name says they carry a credential (`token`, `api_key`, `sig`, `X-Amz-Signature`...). */
const SECRET_PARAM = /(token|secret|key|sig|signature|pass|pwd|auth|credential|session|code|hash|jwt|bearer)/i;

/** A path segment right after one of these names a credential (`/token/<it>`, `/keys/<it>`). */
const SECRET_SEGMENT_NAME = /^(token|tokens|key|keys|apikey|api-key|secret|secrets|auth|password)$/i;

/**
 * A path segment that looks generated rather than named: 16 or more characters of a token
 * alphabet with both letters and digits (Slack's `/services/T000/B000/XXXX`, Discord's
 * `/webhooks/<id>/<token>`, a hex or base64url token); ordinary words and ids such as
 * `transfers` or `v1` stay readable.
 */
function looksGenerated(segment: string): boolean {
  return segment.length >= 16 && /^[A-Za-z0-9_\-.~%+=]+$/.test(segment) && /[0-9]/.test(segment) && /[A-Za-z]/.test(segment);
}

/**
 * An endpoint URI as every surface shows it (Bull Board, the delivery console, the deliveries
 * API, error messages): the user and password, every query value whose parameter name says it
 * is a credential, and every path segment that looks like a token (or follows a segment such as
 * `token` or `keys`) replaced by `***`; the scheme, host, port and the rest of the path kept, so
 * an operator still recognises the receiver. A URI that does not parse shows as `***`.
 */
export const maskUri: (uri: string) => string = perUri((uri) => {
  if (!URL.canParse(uri)) return SECRET_MASK;
  const url = new URL(uri);
  const userinfo = url.username || url.password ? `${SECRET_MASK}@` : '';
  const segments = url.pathname.split('/');
  const path = segments
    .map((s, i) => (s !== '' && (looksGenerated(s) || SECRET_SEGMENT_NAME.test(segments[i - 1] ?? '')) ? SECRET_MASK : s))
    .join('/');
  const query = [...url.searchParams]
    .map(
      ([name, value]) =>
        `${encodeURIComponent(name)}=${SECRET_PARAM.test(name) || looksGenerated(value) ? SECRET_MASK : encodeURIComponent(value)}`,
    )
    .join('&');
  return `${url.protocol}//${userinfo}${url.host}${path}${query ? `?${query}` : ''}`;
});

/** Where a URI points, for short labels: its host (`hooks.example:8443`), or `invalid`. */
export const hostOf: (uri: string) => string = perUri((uri) => (URL.canParse(uri) ? new URL(uri).host : 'invalid'));
