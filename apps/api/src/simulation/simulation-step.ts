import { EntityKind } from '@app/events';

/** A delayed job: "the counterparty reacts to `kind` `id` having reached `state`". */
export interface SimulationStep {
  kind: EntityKind;
  id: string;
  state: string;
}
