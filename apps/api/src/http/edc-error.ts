import { HttpException, HttpStatus } from '@nestjs/common';

export type EdcErrorType =
  | 'InvalidRequest'
  | 'ValidationFailure'
  | 'AuthenticationFailed'
  | 'NotAuthorized'
  | 'ObjectNotFound'
  | 'ObjectConflict'
  | 'BadGateway'
  | 'ServiceUnavailable'
  | 'InternalError';

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
