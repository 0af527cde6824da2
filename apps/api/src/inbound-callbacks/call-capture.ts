import { IncomingHttpHeaders } from 'node:http';
import { exceedsDepth, MAX_JSON_DEPTH } from '../http/body-parsing';
import { CapturedCall } from './inbound-callback';

const REDACTED = '[redacted]';

/** A call to an inbound URL as the HTTP layer hands it over (the raw body read on /cb and /cbq). */
export interface CallRequest {
  method: string;
  originalUrl: string;
  headers: IncomingHttpHeaders;
  body?: unknown;
}
/** Body bytes kept with a stored call (the event carries the whole body). */
export const MAX_KEPT_BODY_BYTES = 64 * 1024;

/**
 * A request as the caller sent it: method, path, query as an object (repeated keys as
 * arrays), headers (those in `redact` replaced by "[redacted]"), and the raw body (read by
 * the raw body parser on /cb and /cbq): text when it is valid UTF-8, base64 otherwise.
 */
export function captureCall(req: CallRequest, redact: ReadonlySet<string>): Omit<CapturedCall, 'outcome' | 'problems'> {
  const url = new URL(req.originalUrl, 'http://callback');
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [seen, value].flat();
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = redact.has(name) ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
  }
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const text = raw.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(raw);
  return {
    receivedAt: Date.now(),
    method: req.method,
    path: url.pathname,
    query,
    headers,
    body: isText ? text : raw.toString('base64'),
    bodyEncoding: isText ? 'utf8' : 'base64',
    ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
  };
}

/** The call as it is stored: its body cut to `MAX_KEPT_BODY_BYTES`, with the size it had. */
export function keptCopy<C extends Pick<CapturedCall, 'body' | 'bodyEncoding'>>(call: C): C & Pick<CapturedCall, 'truncatedFrom'> {
  const bytes = call.bodyEncoding === 'base64' ? Buffer.from(call.body, 'base64') : Buffer.from(call.body, 'utf8');
  if (bytes.length <= MAX_KEPT_BODY_BYTES) return call;
  const head = bytes.subarray(0, MAX_KEPT_BODY_BYTES);
  // A cut inside a UTF-8 sequence decodes to U+FFFD at the end: drop it rather than keep half a character.
  const body = call.bodyEncoding === 'base64' ? head.toString('base64') : head.toString('utf8').replace(/\uFFFD$/, '');
  return { ...call, body, truncatedFrom: bytes.length };
}

/** The body as `bodySchema` sees it: parsed JSON, a form as an object, otherwise the text. */
export function bodyForSchema(call: Pick<CapturedCall, 'body' | 'contentType'>): { value?: unknown; problem?: string } {
  const type = (call.contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) {
    let value: unknown;
    try {
      value = JSON.parse(call.body);
    } catch {
      return { problem: 'the body is not valid JSON' };
    }
    // Ajv walks a body recursively: a 100,000-deep one against a recursive schema overflowed the stack.
    return exceedsDepth(value, MAX_JSON_DEPTH) ? { problem: `the body is nested deeper than ${MAX_JSON_DEPTH} levels` } : { value };
  }
  if (type === 'application/x-www-form-urlencoded') return { value: Object.fromEntries(new URLSearchParams(call.body)) };
  return { value: call.body };
}
