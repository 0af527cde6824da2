import type { FastifyInstance } from 'fastify';
import { SpanHandle, startServerSpan, traceContextOf, tracingOn, withTraceContext } from '@app/platform';

/** The server span of each request under way (tracing on), ended once its answer is sent. */
const spans = new WeakMap<object, SpanHandle & { activate<T>(fn: () => T): T }>();

/**
 * Every request of the api (the Management API, signaling, the inbound `/cb` URLs) runs in the
 * caller's trace (`traceparent`), so the events it commits carry it. Tracing on, in a server
 * span of its own, a child of the caller's or the root of a new trace, ended with its status.
 * Off, a request without `traceparent` costs one header read.
 *
 * Fastify hooks, not a Nest interceptor: the handler (pipes, controller) runs synchronously
 * inside the last preHandler's `done`, so running `done` in the trace's context puts the whole
 * handler in it, without the Observable chain a Nest interceptor adds to every request.
 */
export function registerRequestTracing(fastify: FastifyInstance): void {
  if (!tracingOn()) {
    fastify.addHook('preHandler', (request, _reply, done) => {
      const caller = traceContextOf(request.headers);
      if (caller) withTraceContext(caller, done);
      else done();
    });
    return;
  }
  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions?.url ?? request.url;
    const span = startServerSpan(`${request.method} ${route}`, traceContextOf(request.headers), {
      'http.request.method': request.method,
      'http.route': route,
    })!;
    spans.set(request.raw, span);
    done();
  });
  fastify.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request.raw);
    if (span) span.activate(done);
    else done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request.raw);
    if (span) {
      span.setAttributes({ 'http.response.status_code': reply.statusCode });
      span.end(reply.statusCode >= 500 ? `HTTP ${reply.statusCode}` : undefined);
    }
    done();
  });
}
