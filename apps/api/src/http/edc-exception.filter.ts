import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { Response } from 'express';
import { EdcException, edcTypeOf, single } from './edc-error';

/** Every error leaves the api as EDC's error array; only our own faults are 500s (and logged). */
@Catch()
export class EdcExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof EdcException) {
      response.status(exception.getStatus()).json(exception.errors);
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message =
        typeof body === 'string' ? body : [(body as { message?: unknown }).message].flat().join('; ') || exception.message;
      response.status(status).json([single(message, edcTypeOf(status))]);
      return;
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    response.status(500).json([single('Internal server error', 'InternalError')]);
  }
}
