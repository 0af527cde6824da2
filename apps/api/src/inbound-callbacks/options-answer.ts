import { CallRequest } from './call-capture';

/** Every method is taken on an inbound URL. */
const ALLOW = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const METHOD = new RegExp(`^${TOKEN}$`);
const HEADER_LIST = new RegExp(`^${TOKEN}(\\s*,\\s*${TOKEN})*$`);
/** `null`, or scheme://host[:port] as browsers send it. */
const ORIGIN = /^(null|[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/]+)$/;
const MAX_ECHOED = 1024;
/** How long a browser may reuse the preflight's answer. */
const MAX_AGE_S = 600;

export interface PlainAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The answer to an `OPTIONS` call, which is never taken as a call. A CORS preflight is granted
 * what it asks for (the URL takes any method and header from any origin: its state is its
 * secret), echoed when it is well-formed and of sane size; `access-control-*` headers among the
 * callback's `responseHeaders` take precedence, so an owner can narrow it. A plain `OPTIONS`
 * gets `Allow`.
 */
export function optionsAnswer(req: CallRequest, configured: Record<string, string>): PlainAnswer {
  const origin = req.headers.origin;
  const method = req.headers['access-control-request-method'];
  if (origin === undefined || typeof method !== 'string') return { status: 204, headers: { allow: ALLOW }, body: '' };
  const requested = req.headers['access-control-request-headers'];
  const headers: Record<string, string> = {
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    'access-control-max-age': String(MAX_AGE_S),
  };
  if (ORIGIN.test(origin) && origin.length <= MAX_ECHOED) headers['access-control-allow-origin'] = origin;
  if (METHOD.test(method) && method.length <= MAX_ECHOED) headers['access-control-allow-methods'] = method;
  if (typeof requested === 'string' && HEADER_LIST.test(requested) && requested.length <= MAX_ECHOED)
    headers['access-control-allow-headers'] = requested;
  for (const [name, value] of Object.entries(configured)) if (name.startsWith('access-control-')) headers[name] = value;
  return { status: 204, headers, body: '' };
}
