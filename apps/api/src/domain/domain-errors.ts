/**
 * What went wrong in the domain, said without HTTP: services, stores and the lifecycle throw
 * these, and the api's one exception filter maps each to EDC's error array and status
 * (`apps/api/src/http/edc-error.ts`, `edcExceptionOf`). Callers that must tell one failure from
 * another test the class, never a status code.
 */
export abstract class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** One problem of a request: what is wrong, where, and with which value. */
export interface Problem {
  message: string;
  path: string | null;
  invalidValue: unknown;
}

/** Input that breaks a rule, every problem at once (400 `ValidationFailure`). */
export class InvalidInput extends DomainError {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => p.message).join('; '));
  }
}

/** A request that cannot be carried out as asked, as a whole (400 `InvalidRequest`). */
export class InvalidRequest extends DomainError {}

/** No such object (404 `ObjectNotFound`). */
export class NotFound extends DomainError {
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super(`Object of type ${kind} with ID=${id} was not found`);
  }
}

/** An object with this id exists already (409 `ObjectConflict`). */
export class AlreadyExists extends DomainError {
  constructor(label: string, id: string) {
    super(`A ${label} with ID=${id} already exists`);
  }
}

/** The state machine forbids the move (409 `ObjectConflict`); nothing was changed or emitted. */
export class IllegalTransition extends DomainError {
  constructor(label: string, id: string, from: string, to: string) {
    super(`${label} ${id} cannot move from ${from} to ${to}`);
  }
}

/** Every try to change an object lost its race to another writer (409); the change was not made. */
export class ConcurrentWrite extends DomainError {
  constructor(label: string, id: string) {
    super(`${label} ${id} is being changed concurrently; try again`);
  }
}

/** The object's state does not allow what was asked (409 `ObjectConflict`), with the reason. */
export class StateConflict extends DomainError {}

/** A transactional callback refused the change (409); nothing was committed or emitted. */
export class TransactionalCallbackRefused extends DomainError {}
