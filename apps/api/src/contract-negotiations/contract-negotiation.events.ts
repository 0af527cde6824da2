import { ContractNegotiationEventPayload, StreamEvent } from '@app/events';
import { payloadCallbackAddresses } from '../callback-addresses/payload-callback-addresses';
import { announce, TransitionDetails } from '../lifecycle/entity-lifecycle';
import { ContractNegotiation, NEGOTIATION_MACHINE } from './contract-negotiation';

/**
 * The outbox entry announcing that `cn` reached its current state: the fields of EDC's
 * `ContractNegotiationEvent` subclass, in Jackson's order (docs/delivery.md lists them).
 */
export function contractNegotiationEvent(cn: ContractNegotiation, details: TransitionDetails, eventId: string): StreamEvent {
  const type = NEGOTIATION_MACHINE.eventOf[cn.state];
  if (!type) throw new Error(`No event announces negotiation state ${cn.state}`);
  const payload: ContractNegotiationEventPayload = {
    contractNegotiationId: cn.id,
    counterPartyAddress: cn.counterPartyAddress,
    counterPartyId: cn.counterPartyId,
    // Origins only, no auth names (docs/delivery.md, "What a receiver gets").
    callbackAddresses: payloadCallbackAddresses(cn.callbackAddresses),
    contractOffers: [cn.offer],
    protocol: cn.protocol,
    lastContractOffer: cn.offer,
    ...(cn.state === 'FINALIZED' && cn.contractAgreement ? { contractAgreement: cn.contractAgreement } : {}),
    ...(cn.state === 'TERMINATED' ? { reason: details.reason ?? null } : {}),
  };
  return announce('contractnegotiation', cn, type, payload, eventId);
}
