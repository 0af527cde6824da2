import { HttpStatus } from '@nestjs/common';
import { EdcException, single } from '../http/edc-error';

/**
 * A call to an inbound URL that is not taken now but may be later: 429 past a per-URL limit,
 * 503 when a transactional callback refused it. Nothing was captured or counted, so a single-use
 * URL stays usable. The endpoint controller sends `retryAfterS` as `Retry-After`.
 */
export class CallRefused extends EdcException {
  constructor(
    status: HttpStatus.TOO_MANY_REQUESTS | HttpStatus.SERVICE_UNAVAILABLE,
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(status, [single(message, status === HttpStatus.SERVICE_UNAVAILABLE ? 'ServiceUnavailable' : 'InvalidRequest')]);
  }
}
