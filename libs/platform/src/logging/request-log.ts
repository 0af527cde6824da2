import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';

const NOT_LOGGED = /^\/(health|metrics)\b/;

/**
 * One line per request once its response is done, as pino-http wrote it: `req` (method and
 * masked path), `res` (status code), `responseTime` (ms) and "request completed", or with `err`
 * and "request errored" for a 5xx; "request aborted" when the client went away first. Fastify
 * hooks rather than a Nest middleware: no middleware layer and no listener per request
 * (docs/performance.md, "Against the naive pair"). Nothing at all when info lines are off.
 */
export function registerRequestLog(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    logRequest(request, reply, 'request completed');
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    logRequest(request, undefined, 'request aborted');
    done();
  });
}

function logRequest(request: FastifyRequest, reply: FastifyReply | undefined, message: string): void {
  const logger = PinoLogger.root;
  if (!logger?.isLevelEnabled('info') || NOT_LOGGED.test(request.url)) return;
  const req = { method: request.method, url: maskUrl(request.url) };
  if (!reply) return logger.info({ req }, message);
  const statusCode = reply.statusCode;
  const line = { req, res: { statusCode }, responseTime: Math.round(reply.elapsedTime) };
  if (statusCode >= 500) logger.info({ ...line, err: new Error(`failed with status code ${statusCode}`) }, 'request errored');
  else logger.info(line, message);
}

/** The path without its query, and with an inbound callback's state masked. */
export function maskUrl(url: string): string {
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  return path.startsWith('/cb/') ? path.replace(INBOUND_STATE, '/cb/[state]') : path;
}

const INBOUND_STATE = /^\/cb\/[^/]+/;
