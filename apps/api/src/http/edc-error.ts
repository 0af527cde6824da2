import { HttpException, HttpStatus } from '@nestjs/common';
import { DomainError, InvalidInput, InvalidRequest, NotFound } from '../domain/domain-errors';

/** The `type` of an EDC error, as EDC's `ApiErrorDetail` names them. */
export const EDC_ERROR_TYPES = [
  'InvalidRequest',
  'ValidationFailure',
  'AuthenticationFailed',
  'NotAuthorized',
  'ObjectNotFound',
  'ObjectConflict',
  'BadGateway',
  'ServiceUnavailable',
  'InternalError',
] as const;
export type EdcErrorType = (typeof EDC_ERROR_TYPES)[number];

/** One element of EDC's error array. */
export interface EdcError {
  message: string;
  type: EdcErrorType;
  path: string | null;
  invalidValue: unknown;
}

/** An HTTP error whose body is EDC's error array. */
export class EdcException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly errors: EdcError[],
  ) {
    super(errors, status);
  }

  static validation(errors: Omit<EdcError, 'type'>[]): EdcException {
    return new EdcException(
      HttpStatus.BAD_REQUEST,
      errors.map(({ message, path, invalidValue }) => ({ message, type: 'ValidationFailure', path, invalidValue })),
    );
  }

  static invalidRequest(message: string, status = HttpStatus.BAD_REQUEST): EdcException {
    return new EdcException(status, [single(message, 'InvalidRequest')]);
  }

  static notFound(kind: string, id: string): EdcException {
    return new EdcException(HttpStatus.NOT_FOUND, [single(`Object of type ${kind} with ID=${id} was not found`, 'ObjectNotFound')]);
  }

  static conflict(message: string): EdcException {
    return new EdcException(HttpStatus.CONFLICT, [single(message, 'ObjectConflict')]);
  }
}

export function single(message: string, type: EdcErrorType): EdcError {
  return { message, type, path: null, invalidValue: null };
}

/** The EDC error type a plain HTTP status stands for. */
export function edcTypeOf(status: number): EdcErrorType {
  switch (status) {
    case 401:
      return 'AuthenticationFailed';
    case 403:
      return 'NotAuthorized';
    case 404:
      return 'ObjectNotFound';
    case 409:
      return 'ObjectConflict';
    default:
      return status >= 500 ? 'InternalError' : 'InvalidRequest';
  }
}

/**
 * The EDC answer to a domain error: 400 with every problem for invalid input, 400
 * `InvalidRequest`, 404 `ObjectNotFound`, and 409 `ObjectConflict` for everything the state of
 * an object refuses (an illegal move, a lost write race, an existing id, a refusing
 * transactional callback, a state that does not allow it).
 */
export function edcExceptionOf(error: DomainError): EdcException {
  if (error instanceof InvalidInput) return EdcException.validation(error.problems);
  if (error instanceof InvalidRequest) return EdcException.invalidRequest(error.message);
  if (error instanceof NotFound) return EdcException.notFound(error.kind, error.id);
  return EdcException.conflict(error.message);
}
