import { EntityKind, EventType } from '@app/events';

/** `held`: an ordered delivery waiting behind a dead letter that holds its lane (`onFailure: hold`). */
export type DeliveryStatus = 'pending' | 'retrying' | 'delivered' | 'failed' | 'held';

/** One HTTP attempt of a delivery, as the log keeps it. */
export interface AttemptRecord {
  /** Which attempt series (1, then +1 for each manual retry of a dead letter). */
  series: number;
  /** 1-based within its series. */
  attempt: number;
  /** Epoch ms when the attempt started. */
  at: number;
  /** HTTP status of the reply, if one came. */
  status?: number;
  latencyMs: number;
  error?: string;
  /** First 1 KiB of the reply. */
  response?: string;
  outcome: 'delivered' | 'retrying' | 'failed';
}

/** What the log keeps of attempt number `attempt` that started `at` and came to `outcome` (`status` after it). */
export function attemptRecord(
  attempt: number,
  at: number,
  outcome: Pick<AttemptRecord, 'status' | 'latencyMs' | 'error' | 'response'>,
  status: AttemptRecord['outcome'],
): Omit<AttemptRecord, 'series'> {
  return {
    attempt,
    at,
    status: outcome.status,
    latencyMs: outcome.latencyMs,
    error: outcome.error,
    response: outcome.response,
    outcome: status,
  };
}

/** A delivery: one event to one endpoint (the id is the deliveries queue's job id). */
export interface DeliveryRecord {
  id: string;
  eventId: string;
  eventType: EventType;
  entity: { kind: EntityKind; id: string };
  endpoint: { uri: string; staticId?: string };
  status: DeliveryStatus;
  series: number;
  createdAt: number;
  updatedAt: number;
  attempts: AttemptRecord[];
}

/** Every status a delivery can be in, for validation (the deliveries API's `status` filter). */
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'retrying', 'delivered', 'failed', 'held'];

/** The statuses with an index of their own: all but `delivered` (see `DeliveryLog`). */
export type IndexedStatus = Exclude<DeliveryStatus, 'delivered'>;
export const INDEXED_STATUSES: readonly IndexedStatus[] = ['pending', 'retrying', 'failed', 'held'];
