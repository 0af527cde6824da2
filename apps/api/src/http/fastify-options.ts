import { FastifyReply, FastifyServerOptions } from 'fastify';
import { single } from './edc-error';

/**
 * Fastify's router set to answer as Express did: a trailing slash and the letters' case do not
 * change the route, and a path parameter (an inbound callback's state) may be long. A path the
 * router cannot decode (a malformed escape) is EDC's 400, not Fastify's own error body. Fastify's
 * own request log is off: the app writes its own (libs/platform/src/logging).
 */
export const fastifyOptions: FastifyServerOptions = {
  logger: false,
  routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 2048 },
  frameworkErrors: (_error, _request, reply: FastifyReply) => {
    reply.code(400).send([single('The request path is not valid: it holds a malformed escape', 'InvalidRequest')]);
  },
};
