import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger, Optional } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AppMetrics, maskUrl, STORE_RETRY_AFTER_S, storeUnavailableReason } from '@app/platform';
import { DomainError } from '../domain/domain-errors';
import { EdcException, edcExceptionOf, edcTypeOf, single } from './edc-error';

/**
 * Every error leaves the api as EDC's error array: the domain's errors (`DomainError`) by their
 * kind, HTTP-layer ones (parsing, validation pipes, auth) by their status. Redis refusing a command (out of memory,
 * or unreachable) is a 503 with `Retry-After`: the request was not carried out and can be
 * sent again. Only our own faults are 500s (and logged with their stack).
 */
@Catch()
export class EdcExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  constructor(@Optional() private readonly metrics?: AppMetrics) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof DomainError) exception = edcExceptionOf(exception);
    if (exception instanceof EdcException) {
      response.code(exception.getStatus()).send(exception.errors);
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : [(body as { message?: unknown }).message].flat().join('; ') || exception.message;
      response.code(status).send([single(message, edcTypeOf(status))]);
      return;
    }
    const unavailable = storeUnavailableReason(exception);
    if (unavailable) {
      this.metrics?.storeUnavailable.inc({ reason: unavailable });
      this.logger.warn({ req: requestOf(host), msg: `Store unavailable (${unavailable}): ${(exception as Error).message}` });
      // Redis refuses a script under OOM before its first write, so nothing was changed; an
      // unreachable store fails a command before sending it, except one whose connection
      // dropped under it and did not come back (then its outcome is unknown).
      const message =
        unavailable === 'out-of-memory'
          ? 'The store is out of memory and refuses writes; nothing was changed, try again later'
          : 'The store is unreachable; try again later';
      response
        .code(503)
        .header('Retry-After', String(STORE_RETRY_AFTER_S[unavailable]))
        .send([single(message, 'ServiceUnavailable')]);
      return;
    }
    this.logger.error({ req: requestOf(host), msg: exception instanceof Error ? exception.stack : String(exception) });
    response.code(500).send([single('Internal server error', 'InternalError')]);
  }
}

/**
 * The request a logged error belongs to, as the request lines show it (method and masked path):
 * request-scoped loggers are gone (libs/platform/src/logging), so the filter names it itself.
 */
function requestOf(host: ArgumentsHost): { method: string; url: string } {
  const req = host.switchToHttp().getRequest<FastifyRequest>();
  return { method: req.method, url: maskUrl(req.originalUrl ?? req.url ?? '') };
}
