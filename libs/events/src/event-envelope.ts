import { CallbackAddress, OnFailure } from './callback-address';
import { EventType } from './event-types';
import { TraceContext } from './trace-context';

/** The JSON body POSTed to a callback endpoint, exactly EDC's envelope. */
export interface EventEnvelope<P extends object = Record<string, unknown>> {
  id: string;
  at: number;
  type: EventType;
  payload: P;
}

/** EDC's `TransferProcessEvent` fields as Jackson writes them (docs/delivery.md lists each). */
export interface TransferProcessEventPayload {
  transferProcessId: string;
  callbackAddresses: CallbackAddress[];
  /** Always the agreement's asset, as EDC sets it. */
  assetId: string;
  type: 'CONSUMER' | 'PROVIDER';
  contractId: string;
  protocol: string;
  /** `TransferProcessStarted`: EDC's `DataAddress` Jackson form (`properties`, `type`, `keyName`). */
  dataAddress?: object | null;
  reason?: string | null;
}

/** EDC's `ContractNegotiationEvent` fields as Jackson writes them (docs/delivery.md lists each). */
export interface ContractNegotiationEventPayload {
  contractNegotiationId: string;
  counterPartyAddress: string;
  counterPartyId: string;
  callbackAddresses: CallbackAddress[];
  /** EDC's `ContractOffer`s: `{id, policy, assetId}`, the policy in EDC's `Policy` Jackson form. */
  contractOffers: object[];
  protocol: string;
  lastContractOffer: object;
  /** `ContractNegotiationFinalized`: EDC's `ContractAgreement` `{id, providerId, consumerId, contractSigningDate, assetId, policy}`. */
  contractAgreement?: object;
  reason?: string | null;
}

/** A call to an inbound callback URL, as captured (`CallbackReceived`). */
export interface CallbackReceivedPayload {
  callbackId: string;
  state: string;
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
  /** The body as it came: text, or base64 when `bodyEncoding` says so. */
  body: string;
  bodyEncoding: 'utf8' | 'base64';
  contentType?: string;
  receivedAt: number;
  callbackAddresses: CallbackAddress[];
}

/**
 * `EndpointDisabled` / `EndpointEnabled`: a static (`config`) or registered endpoint stopped or
 * started receiving deliveries. Sent to static and registered endpoints only.
 */
export interface EndpointStatusPayload {
  endpointId: string;
  origin: 'registered' | 'config';
  reason: string;
}

/** Which kind of object an event is about; the sequence counter is kept per object. */
export type EntityKind = 'transferprocess' | 'contractnegotiation' | 'callback' | 'endpoint';

/**
 * What the api appends to its partition's event stream: the envelope as it will be sent, the per-object
 * sequence number (`x-event-sequence`) and the dynamic endpoints of the object.
 */
export interface StreamEvent {
  envelope: EventEnvelope;
  entity: { kind: EntityKind; id: string };
  sequence: number;
  callbackAddresses: CallbackAddress[];
  /**
   * The ordered endpoints whose lanes this event joined when it was committed, by endpoint id
   * (16 hex of the SHA-256 of the URI) with their `onFailure`. Absent when it joined none.
   */
  lanes?: Record<string, OnFailure>;
  /** The trace of the request that made the event (absent on events committed before tracing). */
  trace?: TraceContext;
}

const envelopeJsons = new WeakMap<EventEnvelope, string>();

/**
 * The JSON of `envelope`, made once per envelope: the api measures an event against
 * `EVENT_MAX_BYTES` and then writes it in the commit, and the envelope carries the whole object,
 * the largest part of either. An envelope is never changed once made, so the text stays true.
 */
export function envelopeJson(envelope: EventEnvelope): string {
  let json = envelopeJsons.get(envelope);
  if (json === undefined) envelopeJsons.set(envelope, (json = JSON.stringify(envelope)));
  return json;
}

/** `JSON.stringify(event)`, with its envelope's part from `envelopeJson`. */
export function streamEventJson(event: StreamEvent): string {
  const { envelope, ...rest } = event;
  return `{"envelope":${envelopeJson(envelope)},${JSON.stringify(rest).slice(1)}`;
}
