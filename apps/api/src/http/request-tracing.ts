import { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { SpanHandle, startServerSpan, traceContextOf, tracingOn, withTraceContext } from '@app/platform';

/** The server span of each request under way (tracing on), ended once its answer is sent. */
const spans = new WeakMap<object, SpanHandle>();

/**
 * Every request of the api (the Management API, signaling, the inbound `/cb` URLs) runs in the
 * caller's trace (`traceparent`), so the events it commits carry it. Tracing on, in a server
 * span of its own, a child of the caller's or the root of a new trace, ended with its status.
 * Off, a request without `traceparent` costs one header read.
 */
export function registerRequestTracing(app: NestFastifyApplication): void {
  app.useGlobalInterceptors(new RequestTraceInterceptor());
  if (!tracingOn()) return;
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (request, reply, done) => {
      const span = spans.get(request.raw);
      if (span) {
        span.setAttributes({ 'http.response.status_code': reply.statusCode });
        span.end(reply.statusCode >= 500 ? `HTTP ${reply.statusCode}` : undefined);
      }
      done();
    });
}

class RequestTraceInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const caller = traceContextOf(request.headers);
    if (!tracingOn()) return caller ? within((fn) => withTraceContext(caller, fn), next) : next.handle();
    const route = request.routeOptions?.url ?? request.url;
    const span = startServerSpan(`${request.method} ${route}`, caller, { 'http.request.method': request.method, 'http.route': route })!;
    spans.set(request.raw, span);
    return within(span.activate, next);
  }
}

/** The handler's observable, subscribed (and so run: pipes, handler) inside `wrap`'s context. */
function within(wrap: <T>(fn: () => T) => T, next: CallHandler): Observable<unknown> {
  return new Observable((subscriber) => wrap(() => next.handle().subscribe(subscriber)));
}
