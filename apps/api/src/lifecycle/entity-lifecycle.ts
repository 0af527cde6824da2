import { randomUUID } from 'node:crypto';
import { CallbackAddress, EventType, StreamEvent } from '@app/events';
import { AppMetrics } from '@app/platform';
import { AlreadyExists, ConcurrentWrite, IllegalTransition, NotFound, StateConflict } from '../domain/domain-errors';
import { EventGate } from '../event-gate/event-gate.service';
import { ReleasedLanes, SideRecord, StateStore } from '../state-store/state-store.service';
import { StatefulEntity } from '../state-store/stored-entity';
import { canTransition, StateMachine } from './state-machine';

const MAX_WRITE_RACES = 10;

/** Details a transition may carry into its event (and into the object). */
export interface TransitionDetails {
  reason?: string;
  dataAddress?: Record<string, unknown>;
}

/**
 * A new negotiation or transfer: the fields every one starts with (state INITIAL, first event 1),
 * then `fields`. Assigned, not spread: on Node 20 a literal that starts with a spread and adds
 * keys the spread did not have takes V8's slow path, per key (what `{ ...initial, ten more }`
 * cost a create: docs/performance.md, "The fourth pass").
 */
export function newEntity<F extends object>(id: string | undefined, fields: F, now = Date.now()) {
  const initial = {
    id: id ?? randomUUID(),
    type: 'CONSUMER' as const,
    state: 'INITIAL' as const,
    createdAt: now,
    stateTimestamp: now,
    version: 1,
    eventSequence: 1,
  };
  return Object.assign(initial, fields);
}

/** The outbox entry, event `eventId`, announcing that `entity` reached its current state with `payload`. */
export function announce(
  kind: StateMachine<string>['kind'],
  entity: StatefulEntity<string> & { callbackAddresses: CallbackAddress[] },
  type: EventType,
  payload: object,
  eventId: string,
): StreamEvent {
  return {
    envelope: { id: eventId, at: Date.now(), type, payload: { ...payload } },
    entity: { kind, id: entity.id },
    sequence: entity.eventSequence,
    callbackAddresses: entity.callbackAddresses,
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
    private readonly eventFor: (entity: E, details: TransitionDetails, eventId: string) => StreamEvent,
  ) {}

  async create(entity: E): Promise<E> {
    const event = this.eventFor(entity, {}, this.store.newEventId(entity.id));
    await this.gate.check(event);
    if (!(await this.store.create(this.machine.kind, entity, event))) throw new AlreadyExists(this.machine.label, entity.id);
    this.metrics.eventsAccepted.inc({ type: event.envelope.type });
    return entity;
  }

  async get(id: string): Promise<E> {
    const entity = await this.store.get<E>(this.machine.kind, id);
    if (!entity) throw new NotFound(this.machine.label, id);
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
      if (!canTransition(this.machine, current.state, to)) throw new IllegalTransition(this.machine.label, id, current.state, to);
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
        this.metrics.eventsAccepted.inc({ type: event.envelope.type });
        return next;
      }
    }
    throw new ConcurrentWrite(this.machine.label, id);
  }

  /**
   * Removes `id` for good (its ordered lanes too), with no event, when `refusal` finds nothing
   * against it (else 409 with its reason); 404 when it does not exist. Answers what waited in
   * its lanes.
   */
  async delete(id: string, refusal: (entity: E) => string | null): Promise<ReleasedLanes> {
    for (let race = 0; race < MAX_WRITE_RACES; race++) {
      const current = await this.get(id);
      const reason = refusal(current);
      if (reason) throw new StateConflict(reason);
      const released = await this.store.delete(this.machine.kind, current);
      if (released) return released;
    }
    throw new ConcurrentWrite(this.machine.label, id);
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
      // Moved on meanwhile (an illegal transition now): nothing left to do. Anything else (a
      // refusing transactional callback, races lost to other writers) fails the step, so
      // that BullMQ tries it again later rather than the object stopping where it is.
      if (!(err instanceof IllegalTransition)) throw err;
    });
  }
}
