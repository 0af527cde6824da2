import { createHash } from 'node:crypto';
import { EntityKind, EventType } from '@app/events';

/** Where one delivery goes: a dynamic callback address or a static callback. */
export interface DeliveryEndpoint {
  uri: string;
  authKey?: string;
  authCodeId?: string;
  /** Id of the static callback (`EDC_CALLBACK_<ID>_*`); absent for dynamic ones. */
  staticId?: string;
}

/**
 * One job of the deliveries queue: one event to one endpoint. The body it sends is not here
 * but in the `EventBodyStore`, once per event, read at each attempt.
 */
export interface DeliveryJobData {
  eventId: string;
  eventType: EventType;
  entity: { kind: EntityKind; id: string };
  sequence: number;
  /**
   * Only on jobs queued before the event-body store (they carry their own body); kept so that
   * their retries and dead letters still deliver. New jobs never set it.
   */
  body?: string;
  endpoint: DeliveryEndpoint;
}

/**
 * One job per (event, endpoint): an endpoint is its URI, so the same URI named twice gets the
 * event once, and a fan-out that runs twice adds nothing twice. BullMQ ids may not contain ":".
 */
export function deliveryJobId(eventId: string, uri: string): string {
  return `${eventId}.${createHash('sha256').update(uri).digest('hex').slice(0, 16)}`;
}
