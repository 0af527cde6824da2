import { exactObject, JsonSchema, listOf, ref } from './json-schema';

/**
 * The payload of each kind of event (`EventEnvelope.payload`), one named schema per shape.
 * A shape that adds fields to its family's names that family as `base`, so docs/delivery.md's
 * table can say what each event adds.
 */

const callbackAddresses = { ...listOf(ref('PayloadCallbackAddress')), description: "The object's callback addresses, by origin." };
const reason = { type: ['string', 'null'], description: 'The reason given, or `null` when none was.' };

const NEGOTIATION = {
  contractNegotiationId: { type: 'string' },
  counterPartyAddress: { type: 'string' },
  counterPartyId: { type: 'string', description: "The offer's assigner (the provider)." },
  callbackAddresses,
  contractOffers: listOf(ref('EdcContractOffer')),
  protocol: { type: 'string' },
  lastContractOffer: ref('EdcContractOffer'),
};

const TRANSFER = {
  transferProcessId: { type: 'string' },
  callbackAddresses,
  assetId: { type: 'string', description: "The agreement's asset." },
  type: { enum: ['CONSUMER', 'PROVIDER'] },
  contractId: { type: 'string' },
  protocol: { type: 'string' },
};

const ENDPOINT = {
  endpointId: { type: 'string' },
  origin: { type: 'string', description: "The endpoint's URI by origin (scheme://host[:port])." },
  reason: { type: 'string' },
};

export interface PayloadShape {
  schema: JsonSchema;
  /** The shape of the family this one adds to. */
  base?: PayloadName;
}

const shapes = {
  ContractNegotiationEventPayload: { schema: exactObject(NEGOTIATION, "EDC's `ContractNegotiationEvent`.") },
  ContractNegotiationFinalizedPayload: {
    base: 'ContractNegotiationEventPayload',
    schema: exactObject({ ...NEGOTIATION, contractAgreement: ref('EdcContractAgreement') }, "EDC's `ContractNegotiationFinalized`."),
  },
  ContractNegotiationTerminatedPayload: {
    base: 'ContractNegotiationEventPayload',
    schema: exactObject({ ...NEGOTIATION, reason }, "EDC's `ContractNegotiationTerminated`."),
  },
  TransferProcessEventPayload: { schema: exactObject(TRANSFER, "EDC's `TransferProcessEvent`.") },
  TransferProcessStartedPayload: {
    base: 'TransferProcessEventPayload',
    schema: exactObject(
      { ...TRANSFER, dataAddress: { anyOf: [ref('EdcDataAddress'), { type: 'null' }] } },
      "EDC's `TransferProcessStarted`: where to get or send the data.",
    ),
  },
  TransferProcessWithReasonPayload: {
    base: 'TransferProcessEventPayload',
    schema: exactObject({ ...TRANSFER, reason }, "EDC's `TransferProcessSuspended` and `TransferProcessTerminated`."),
  },
  CallbackReceivedPayload: {
    schema: exactObject(
      {
        callbackId: { type: 'string' },
        state: { type: 'string', description: 'The secret in the inbound URL.' },
        method: { type: 'string' },
        path: { type: 'string' },
        query: {
          type: 'object',
          additionalProperties: { anyOf: [{ type: 'string' }, listOf({ type: 'string' })] },
          description: "The call's query parameters (a repeated one as a list).",
        },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        body: { type: 'string', description: 'The body as it came: text, or base64 when `bodyEncoding` says so.' },
        bodyEncoding: { enum: ['utf8', 'base64'] },
        contentType: { type: 'string' },
        receivedAt: { type: 'integer', description: 'Epoch milliseconds.' },
        callbackAddresses,
      },
      'A call to an inbound callback URL, as captured (docs/inbound-callbacks.md).',
      ['contentType'],
    ),
  },
  EndpointEventPayload: {
    schema: exactObject(ENDPOINT, 'A static or registered endpoint that was disabled or enabled again (docs/delivery.md).'),
  },
} satisfies Record<string, { schema: JsonSchema; base?: string }>;

export type PayloadName = keyof typeof shapes;

export const PAYLOAD_SHAPES: Record<PayloadName, PayloadShape> = shapes as Record<PayloadName, PayloadShape>;
