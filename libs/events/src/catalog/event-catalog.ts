import { EVENT_FILTER_NAMES, EventType } from '../event-types';
import { EDC_MODEL_SCHEMAS } from './edc-model-schemas';
import { exactObject, JsonSchema, ref } from './json-schema';
import { PAYLOAD_SHAPES, PayloadName } from './payload-schemas';

/**
 * The event catalog: every event type a receiver can get, its filter name and its payload's
 * JSON Schema. It is the one source the OpenAPI document's `webhooks` (apps/api/src/openapi/
 * event-webhooks.ts) and docs/delivery.md's event table (checked by test/event-catalog.spec.ts)
 * are made from, and test/event-catalog.e2e-spec.ts validates real deliveries against it.
 * Documentation and tests only: outgoing events are never validated on the delivery path.
 */

/**
 * The endpoint health events of DESIGN.md's Events table. Until `EVENT_FILTER_NAMES` has them
 * (they are emitted by the endpoint registry), they are named here; once it has them this
 * object can go, and the spread below changes nothing.
 */
const ENDPOINT_EVENT_FILTER_NAMES = {
  EndpointDisabled: 'endpoint.disabled',
  EndpointEnabled: 'endpoint.enabled',
} as const;

export type CatalogEventType = EventType | keyof typeof ENDPOINT_EVENT_FILTER_NAMES;

const FILTER_NAMES: Record<CatalogEventType, string> = { ...ENDPOINT_EVENT_FILTER_NAMES, ...EVENT_FILTER_NAMES };

export interface EventCatalogEntry {
  type: CatalogEventType;
  filterName: string;
  /** What happened, for the OpenAPI document. */
  summary: string;
  payload: PayloadName;
}

const negotiation = (state: string) => ({
  summary: `A contract negotiation reached ${state}.`,
  payload: 'ContractNegotiationEventPayload' as const,
});
const transfer = (state: string) => ({ summary: `A transfer process reached ${state}.`, payload: 'TransferProcessEventPayload' as const });

/** Keyed by type, so the compiler refuses an event type missing from the catalog. */
const ENTRIES: Record<CatalogEventType, Omit<EventCatalogEntry, 'type' | 'filterName'>> = {
  ContractNegotiationInitiated: negotiation('INITIAL: it was created'),
  ContractNegotiationRequested: negotiation('REQUESTED'),
  ContractNegotiationOffered: negotiation('OFFERED'),
  ContractNegotiationAccepted: negotiation('ACCEPTED'),
  ContractNegotiationAgreed: negotiation('AGREED'),
  ContractNegotiationVerified: negotiation('VERIFIED'),
  ContractNegotiationFinalized: {
    summary: 'A contract negotiation reached FINALIZED: `contractAgreement.id` is the `contractId` for transfers.',
    payload: 'ContractNegotiationFinalizedPayload',
  },
  ContractNegotiationTerminated: { summary: 'A contract negotiation reached TERMINATED.', payload: 'ContractNegotiationTerminatedPayload' },
  TransferProcessInitiated: transfer('INITIAL: it was created'),
  TransferProcessProvisioned: transfer('PROVISIONED'),
  TransferProcessRequested: transfer('REQUESTED'),
  TransferProcessStarted: {
    summary: 'A transfer process reached STARTED: `dataAddress` says where to get (PULL) or where it sends (PUSH) the data.',
    payload: 'TransferProcessStartedPayload',
  },
  TransferProcessSuspended: { summary: 'A transfer process reached SUSPENDED.', payload: 'TransferProcessWithReasonPayload' },
  TransferProcessResumed: transfer('RESUMED'),
  TransferProcessCompleted: transfer('COMPLETED'),
  TransferProcessTerminated: { summary: 'A transfer process reached TERMINATED.', payload: 'TransferProcessWithReasonPayload' },
  TransferProcessDeprovisioned: transfer('DEPROVISIONED'),
  CallbackReceived: { summary: 'An inbound callback URL was called and the call accepted.', payload: 'CallbackReceivedPayload' },
  EndpointDisabled: {
    summary:
      'An endpoint failed without a success for `ENDPOINT_DISABLE_AFTER` and was disabled; its deliveries wait. To static and registered endpoints only.',
    payload: 'EndpointEventPayload',
  },
  EndpointEnabled: {
    summary: 'A disabled endpoint was enabled again; its waiting deliveries go on. To static and registered endpoints only.',
    payload: 'EndpointEventPayload',
  },
};

export const EVENT_CATALOG: readonly EventCatalogEntry[] = (Object.keys(ENTRIES) as CatalogEventType[]).map((type) => ({
  type,
  filterName: FILTER_NAMES[type],
  ...ENTRIES[type],
}));

/** The name of the schema of an event type's whole body (the envelope). */
export const envelopeSchemaName = (type: CatalogEventType) => `${type}Event`;

/** The envelope POSTed for one event type: EDC's `{id, at, type, payload}`. */
function envelopeSchema({ type, summary, payload }: EventCatalogEntry): JsonSchema {
  return exactObject(
    {
      id: { type: 'string', format: 'uuid', description: 'The event id, also sent as `webhook-id`: the same on every attempt.' },
      at: { type: 'integer', description: 'When it happened, epoch milliseconds.' },
      type: { const: type },
      payload: ref(payload),
    },
    summary,
  );
}

/**
 * Every schema the catalog names, by name: the EDC model, the payloads and one envelope per
 * event type. Their `$ref`s point at `#/components/schemas/<name>`, so they are meant to sit
 * among the OpenAPI document's components.
 */
export function eventCatalogSchemas(): Record<string, JsonSchema> {
  const payloads = Object.fromEntries(Object.entries(PAYLOAD_SHAPES).map(([name, shape]) => [name, shape.schema]));
  const envelopes = Object.fromEntries(EVENT_CATALOG.map((entry) => [envelopeSchemaName(entry.type), envelopeSchema(entry)]));
  return { ...EDC_MODEL_SCHEMAS, ...payloads, ...envelopes };
}

/** The payload fields an event adds to those of its family (none for the family itself). */
export function fieldsAdded(payload: PayloadName): string[] {
  const { schema, base } = PAYLOAD_SHAPES[payload];
  if (!base) return [];
  const names = Object.keys(schema.properties as object);
  const inherited = Object.keys(PAYLOAD_SHAPES[base].schema.properties as object);
  return names.filter((name) => !inherited.includes(name));
}
