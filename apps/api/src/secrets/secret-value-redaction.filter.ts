import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { EdcException } from '../http/edc-error';
import { EdcExceptionFilter } from '../http/edc-exception.filter';

/**
 * The global validation pipe echoes the value at fault as `invalidValue`; for a secret's `value`
 * that would send the secret back in the error (and into whatever logs the reply). This filter,
 * scoped to the secrets controller, blanks it and leaves the rendering to the global filter.
 */
@Catch(EdcException)
export class SecretValueRedactionFilter implements ExceptionFilter {
  private readonly render = new EdcExceptionFilter();

  catch(exception: EdcException, host: ArgumentsHost): void {
    const errors = exception.errors.map((error) => (error.path === 'value' ? { ...error, invalidValue: null } : error));
    this.render.catch(new EdcException(exception.getStatus(), errors), host);
  }
}
