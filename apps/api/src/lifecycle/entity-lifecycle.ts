import { randomUUID } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { CallbackAddress, EventType } from '@app/events';
import { AppMetrics } from '@app/platform';
import { EventGate, TransactionalCallbackFailed } from '../event-gate/event-gate.service';
import { EdcException, single } from '../http/edc-error';
import { SideRecord, StateStore } from '../state-store/state-store.service';
import { OutboxEntry, StatefulEntity } from '../state-store/stored-entity';
import { canTransition, StateMachine } from './state-machine';

const MAX_WRITE_RACES = 10;

/** Every try to move an object lost its race to another writer: 409, the change was not made. */
export class ConcurrentWriteError extends EdcException {
  constructor(label: string, id: string) {
    super(HttpStatus.CONFLICT, [single(`${label} ${id} is being changed concurrently; try again`, 'ObjectConflict')]);
  }
}

/** Details a transition may carry into its event (and into the object). */
export interface TransitionDetails {
  reason?: string;
  dataAddress?: Record<string, unknown>;
}

/** The fields every new negotiation or transfer starts with (state INITIAL, first event 1). */
export function initialFields(id: string | undefined, now = Date.now()) {
  return { id: id ?? randomUUID(), type: 'CONSUMER' as const, state: 'INITIAL' as const, createdAt: now, stateTimestamp: now, version: 1, eventSequence: 1 };
}

/** The outbox entry, event `eventId`, announcing that `entity` reached its current state with `payload`. */
export function announce(
  kind: StateMachine<string>['kind'],
  entity: StatefulEntity<string> & { callbackAddresses: CallbackAddress[] },
  type: EventType,
  payload: object,
  eventId: string,
): OutboxEntry {
  return {
    job: {
      envelope: { id: eventId, at: Date.now(), type, payload: { ...payload } },
      entity: { kind, id: entity.id },
      sequence: entity.eventSequence,
      callbackAddresses: entity.callbackAddresses,
    },
  };
}

/**
 * Creates, reads and moves objects of one state machine. Every write's event first passes the
 * EventGate (size limit, transactional callbacks); then the object and its event are stored
 * atomically (see StateStore), the event on the event stream. A state change is a
 * compare-and-set on the object's version, retried when another writer came first.
 */
export class EntityLifecycle<S extends string, E extends StatefulEntity<S>> {
  constructor(
    private readonly machine: StateMachine<S>,
    private readonly store: StateStore,
    private readonly metrics: AppMetrics,
    private readonly gate: EventGate,
    private readonly eventFor: (entity: E, details: TransitionDetails, eventId: string) => OutboxEntry,
  ) {}

  async create(entity: E): Promise<E> {
    const event = this.eventFor(entity, {}, this.store.newEventId(entity.id));
    await this.gate.check(event);
    if (!(await this.store.create(this.machine.kind, entity, event)))
      throw EdcException.conflict(`A ${this.machine.label} with ID=${entity.id} already exists`);
    this.metrics.eventsAccepted.inc({ type: event.job.envelope.type });
    return entity;
  }

  async get(id: string): Promise<E> {
    const entity = await this.store.get<E>(this.machine.kind, id);
    if (!entity) throw EdcException.notFound(this.machine.label, id);
    return entity;
  }

  /**
   * Moves `id` to `to` and emits exactly one event, or answers 409 (and emits nothing) when
   * EDC's machine forbids it. `change` adds what the new state brings to the object, and
   * `recordOf` a record stored with it (an agreement).
   */
  async transition(
    id: string,
    to: S,
    details: TransitionDetails = {},
    change: (next: E) => E = (n) => n,
    recordOf: (next: E) => SideRecord | undefined = () => undefined,
  ): Promise<E> {
    for (let race = 0; race < MAX_WRITE_RACES; race++) {
      const current = await this.get(id);
      if (!canTransition(this.machine, current.state, to))
        throw EdcException.conflict(`${this.machine.label} ${id} cannot move from ${current.state} to ${to}`);
      const next = change({
        ...current,
        state: to,
        stateTimestamp: Date.now(),
        version: current.version + 1,
        eventSequence: current.eventSequence + 1,
        ...(to === 'TERMINATED' && details.reason !== undefined ? { errorDetail: details.reason } : {}),
      });
      const event = this.eventFor(next, details, this.store.newEventId(id));
      await this.gate.check(event);
      if (await this.store.transition(this.machine.kind, current, next, event, recordOf(next))) {
        this.metrics.eventsAccepted.inc({ type: event.job.envelope.type });
        return next;
      }
    }
    throw new ConcurrentWriteError(this.machine.label, id);
  }

  /**
   * Removes `id` for good, with no event, when `refusal` finds nothing against it (else 409
   * with its reason); 404 when it does not exist.
   */
  async delete(id: string, refusal: (entity: E) => string | null): Promise<void> {
    for (let race = 0; race < MAX_WRITE_RACES; race++) {
      const current = await this.get(id);
      const reason = refusal(current);
      if (reason) throw EdcException.conflict(reason);
      if (await this.store.delete(this.machine.kind, current)) return;
    }
    throw new ConcurrentWriteError(this.machine.label, id);
  }

  /**
   * The simulated counterparty's reaction to `id` having reached `state`: the next step of the
   * machine, if the object is still in that state (a signal may have moved it meanwhile).
   */
  async simulateStep(id: string, state: S, step: (current: E, next: S) => Promise<unknown>): Promise<void> {
    const next = this.machine.simulatedNext[state];
    const current = next && (await this.store.get<E>(this.machine.kind, id));
    if (!next || !current || current.state !== state) return;
    await step(current, next).catch((err) => {
      // Moved on meanwhile (an illegal transition now): nothing left to do. A refusing
      // transactional callback, or races lost to other writers, fail the step instead, so
      // that BullMQ tries it again later rather than the object stopping where it is.
      const movedOn = err instanceof EdcException && err.getStatus() === 409;
      if (err instanceof TransactionalCallbackFailed || err instanceof ConcurrentWriteError || !movedOn) throw err;
    });
  }
}
