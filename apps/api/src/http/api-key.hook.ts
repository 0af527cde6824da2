import { timingSafeEqual } from 'node:crypto';
import { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { single } from './edc-error';

/** What the key guards: the Management API (with its OpenAPI and Swagger UI), signaling, Bull Board. */
const GUARDED = /^\/(management|signaling|admin)(\/|$)/i;

/**
 * The API key check on `/management`, `/signaling` and `/admin`: header `x-api-key`, or HTTP
 * basic auth with the key as password (any user name) so a browser can open Bull Board. It is
 * a Fastify `onRequest` hook, which runs before a body is read, so an unauthenticated caller is
 * refused before its body is read, and unknown routes under those paths answer 401, not 404.
 */
export function apiKeyHook(apiKey: string): onRequestHookHandler {
  const isKey = keyComparison(apiKey);
  return (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (!isGuarded(request)) return done();
    const given = header(request, 'x-api-key') ?? basicAuthPassword(header(request, 'authorization'));
    if (given !== undefined && isKey(given)) return done();
    reply
      .code(401)
      .header('www-authenticate', 'Basic realm="callback-service", charset="UTF-8"')
      .send([single(given === undefined ? 'Missing x-api-key header' : 'Invalid API key', 'AuthenticationFailed')]);
  };
}

/**
 * By the route the request matched, and by its path as the router decoded it: a path written
 * with escapes (`/%6Danagement/...`) reaches the same route, and an unknown path under a guarded
 * prefix (no route) is refused like a known one.
 */
function isGuarded(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route !== undefined && GUARDED.test(route)) return true;
  const path = request.url.split('?', 1)[0];
  return GUARDED.test(path) || GUARDED.test(safeDecode(path));
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function basicAuthPassword(header: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/**
 * Whether a given value is the key, in constant time: every guess compares as many bytes as
 * the key has, so the time taken never tells how much of the key a guess got right. A guess of
 * another length is compared with the key itself, and fails. No digest: a SHA-256 per request
 * was a measurable part of a create, OpenSSL's code and tables being cold in the cache between
 * requests (docs/performance.md, "The fourth pass").
 */
export function keyComparison(apiKey: string): (given: string) => boolean {
  const key = Buffer.from(apiKey);
  return (given) => {
    const bytes = Buffer.from(given);
    const sameLength = bytes.length === key.length;
    return timingSafeEqual(sameLength ? bytes : key, key) && sameLength;
  };
}
