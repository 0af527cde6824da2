import { EntityKind, TraceContext } from '@app/events';

/** A delayed job: "the counterparty reacts to `kind` `id` having reached `state`". */
export interface SimulationStep {
  kind: EntityKind;
  id: string;
  state: string;
  /** The trace of the event it reacts to: a simulated object's events stay in its create's trace. */
  trace?: TraceContext;
}
