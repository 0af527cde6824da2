import { createHash } from 'node:crypto';
import { EntityKind, EventType, OnFailure, perUri, TraceContext } from '@app/events';
import { hostOf } from './uri-mask';

/** Where one delivery goes: a dynamic callback address or a static callback. */
export interface DeliveryEndpoint {
  uri: string;
  authKey?: string;
  authCodeId?: string;
  /** Id of the static callback (`EDC_CALLBACK_<ID>_*`); absent for dynamic ones. */
  staticId?: string;
  /**
   * Id of the registered endpoint (`/management/v1/endpoints`): its attempts use its settings of
   * the moment (uri, auth, options), so a change applies to deliveries already waiting.
   */
  registeredId?: string;
  /** Set on an ordered endpoint only (what its dead letters do); the api joins its lanes by it. */
  onFailure?: OnFailure;
}

/** The lane an ordered delivery waits its turn in (see `DeliveryLanes`). */
export interface DeliveryLane {
  key: string;
  onFailure: OnFailure;
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
  /**
   * Attempts made before the job existed: 1 when the first attempt, taken straight from the
   * event stream, failed and handed the delivery over for retries. Cleared when a dead letter
   * is retried (a new series starts at 1).
   */
  attemptsBefore?: number;
  /**
   * Set when the delivery is ordered: its place in the lane of its (object, endpoint) decides
   * when it may be sent. Kept when a dead letter is retried (a held lane moves on when it succeeds).
   */
  lane?: DeliveryLane;
  /** Set when the first attempt failed for good (410, refused destination): the job only marks the dead letter. */
  deadLetter?: string;
  /** The trace its attempts continue (the event's, or its dispatch span's): each attempt a span of it, its `traceparent` sent. */
  trace?: TraceContext;
}

/**
 * One job per (event, endpoint): an endpoint is its URI, so the same URI named twice gets the
 * event once, and an event handed over twice (an entry claimed after a crash) adds nothing twice.
 * BullMQ ids may not contain ":".
 */
export function deliveryJobId(eventId: string, uri: string): string {
  return `${eventId}.${endpointIdOf(uri)}`;
}

/**
 * An endpoint's short id: 16 hex of the SHA-256 of its URI (the URI may hold a token). Hashed
 * once per URI: every delivery's id needs it, and hashing was 1.4 % of the drain's profile.
 */
export const endpointIdOf: (uri: string) => string = perUri((uri) => createHash('sha256').update(uri).digest('hex').slice(0, 16));

/** The event a delivery belongs to, from its id (see `deliveryJobId`). */
export function eventIdOf(deliveryId: string): string {
  const dot = deliveryId.indexOf('.');
  return dot < 0 ? deliveryId : deliveryId.slice(0, dot);
}

/**
 * The job's data for a new series of attempts (a dead letter retried): the attempt made before
 * the job existed, and a first attempt's final failure, belong to the series that ended.
 */
export function newSeries({ attemptsBefore: _made, deadLetter: _failed, ...data }: DeliveryJobData): DeliveryJobData {
  return data;
}

/**
 * What makes a job's data unusable as a delivery (a job added by hand in Bull Board, say),
 * listed; empty when it is one. Such a job can never be sent, so it fails once, for good.
 */
export function deliveryDataProblems(data: unknown): string[] {
  const d = (data ?? {}) as Record<string, unknown>;
  const entity = (d.entity ?? {}) as Record<string, unknown>;
  const endpoint = (d.endpoint ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return ['data must be an object'];
  if (typeof d.eventId !== 'string' || d.eventId === '') problems.push('eventId is required');
  if (typeof d.eventType !== 'string') problems.push('eventType is required');
  if (typeof entity.kind !== 'string' || typeof entity.id !== 'string') problems.push('entity.kind and entity.id are required');
  if (typeof d.sequence !== 'number') problems.push('sequence is required');
  if (typeof endpoint.uri !== 'string' || !URL.canParse(endpoint.uri)) problems.push('endpoint.uri must be an absolute URI');
  return problems;
}

/** A delivery job's name, what the board lists: what and where (`TransferProcessStarted → hooks.example`), never the URI's secrets. */
export function jobName(data: Pick<DeliveryJobData, 'eventType' | 'endpoint'>): string {
  return `${data.eventType} → ${hostOf(data.endpoint.uri)}`;
}
