import { EntityKind } from '@app/events';

/** What every stored negotiation or transfer carries for optimistic concurrency and ordering. */
export interface StoredEntity {
  id: string;
  state: string;
  createdAt: number;
  stateTimestamp: number;
  /** Grows by one with every write; a write that expected another version is refused. */
  version: number;
  /** Sequence number of the latest event of this object (`x-event-sequence`). */
  eventSequence: number;
  /** Other fields, some of them indexed for queries (see StateStore). */
  [field: string]: unknown;
}

export interface StatefulEntity<S extends string> extends StoredEntity {
  state: S;
  errorDetail?: string;
}

export type { EntityKind };
