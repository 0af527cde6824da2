import { EdcError } from '../http/edc-error';

/** RFC 9110 `token`: what a header name may be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A field value as Node sends it: no control characters other than tab, so no CR or LF. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/**
 * Headers that frame the message or belong to the connection. Node sets them itself; a
 * configured one would tell the caller where this response ends, so a `Content-Length: 0` with
 * a body that is itself an HTTP response handed the next request on the connection a forged one.
 */
export const FRAMING = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
]);

/** Every problem of `responseHeaders`, checked when the callback is created (Node would refuse some only when the URL is called). */
export function responseHeaderProblems(headers: Record<string, unknown>): Omit<EdcError, 'type'>[] {
  const problems: Omit<EdcError, 'type'>[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name))
      problems.push({ message: `responseHeaders: "${name}" is not a valid header name`, path: 'responseHeaders', invalidValue: name });
    else if (FRAMING.has(name.toLowerCase()))
      problems.push({
        message: `responseHeaders: ${name} frames the response or the connection and is set by the server`,
        path: `responseHeaders.${name}`,
        invalidValue: value ?? null,
      });
    else if (typeof value !== 'string' || !FIELD_VALUE.test(value))
      problems.push({
        message: `responseHeaders.${name} must be a string without control characters`,
        path: `responseHeaders.${name}`,
        invalidValue: value ?? null,
      });
  }
  return problems;
}
