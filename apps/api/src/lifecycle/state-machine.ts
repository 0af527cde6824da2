import { EventType } from '@app/events';
import { IndexedKind } from '../state-store/entity-indexes';

/**
 * One of EDC's state machines, as data: state codes, legal transitions, the event announcing
 * each state, and what the simulated counterparty does after each state.
 */
export interface StateMachine<S extends string> {
  kind: IndexedKind;
  /** EDC's type name, used in error messages (`TransferProcess`, `ContractNegotiation`). */
  label: string;
  codes: Record<S, number>;
  /** For each target state, the states it may be reached from. */
  transitions: Partial<Record<S, readonly S[]>>;
  eventOf: Partial<Record<S, EventType>>;
  simulatedNext: Partial<Record<S, S>>;
}

/**
 * The signals that move an object of `machine` (`/signaling/v1/...`, `signalOnCall`): the
 * lower-case name of every state a transition reaches, in the machine's order. Derived, so a
 * state added to the machine is a signal without a second list to keep.
 */
export function signalsOf<S extends string>(machine: StateMachine<S>): readonly Lowercase<S>[] {
  return (Object.keys(machine.transitions) as S[]).map((state) => state.toLowerCase() as Lowercase<S>);
}

export function canTransition<S extends string>(machine: StateMachine<S>, from: S, to: S): boolean {
  return machine.transitions[to]?.includes(from) ?? false;
}
