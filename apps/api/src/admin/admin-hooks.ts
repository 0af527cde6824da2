import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { single } from '../http/edc-error';

/** Content types a page of another site can make a browser send without asking (no CORS preflight). */
const SIMPLE_TYPES = /^(text\/plain|application\/x-www-form-urlencoded|multipart\/form-data)\b/i;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ADMIN_PATH = /^\/admin\//i;
const BOARD_PATH = /^\/admin\/queues\//i;
/** Bull Board's own page pulls IBM Plex from Google Fonts; offline, it waits on it. */
const EXTERNAL_FONTS = /<link[^>]+href="https:\/\/fonts\.(googleapis|gstatic)\.com[^>]*>\s*/g;

/**
 * Cross-site requests to the admin tools. A browser that has the board's basic-auth
 * credentials sends them with any request to it, even one a page of another site makes; such a
 * page can POST with a simple content type without the browser asking first. So, under `/admin`:
 * - a state change whose `Origin` is another site is refused;
 * - a state change through Bull Board's API must not be of a simple content type (its own page
 *   sends JSON; a form or `text/plain` post is refused), so it needs a CORS preflight, which
 *   this server never grants.
 * The delivery console's forms carry a token instead (see `ConsoleToken`).
 */
export function guardAdminWrites(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    // Tested on the URL as it came: this hook runs for every request.
    if (!UNSAFE_METHODS.has(request.method) || !ADMIN_PATH.test(request.url)) return done();
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== 'null' && hostOf(origin) !== request.headers.host)
      return refuse(reply, 'Cross-site request refused');
    if (origin === 'null') return refuse(reply, 'Cross-site request refused');
    if (BOARD_PATH.test(request.url) && SIMPLE_TYPES.test(request.headers['content-type'] ?? ''))
      return refuse(reply, 'Bull Board changes need content-type application/json');
    done();
  });
}

/** Bull Board's page without the external font link: the board falls back to system fonts. */
export function serveBoardOffline(fastify: FastifyInstance, boardRoute: string): void {
  fastify.addHook(
    'onSend',
    (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) => {
      const isBoardPage = request.method === 'GET' && request.url.toLowerCase().startsWith(boardRoute) && typeof payload === 'string';
      done(
        null,
        isBoardPage && String(reply.getHeader('content-type') ?? '').includes('text/html') ? payload.replace(EXTERNAL_FONTS, '') : payload,
      );
    },
  );
}

function hostOf(origin: string): string | undefined {
  return URL.canParse(origin) ? new URL(origin).host : undefined;
}

function refuse(reply: FastifyReply, message: string): void {
  reply.code(403).send([single(message, 'AuthenticationFailed')]);
}
