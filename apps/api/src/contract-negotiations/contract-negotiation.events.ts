import { ContractNegotiationEventPayload } from '@app/events';
import { payloadCallbackAddresses } from '../callback-addresses/payload-callback-addresses';
import { announce, TransitionDetails } from '../lifecycle/entity-lifecycle';
import { OutboxEntry } from '../state-store/stored-entity';
import { ContractNegotiation, NEGOTIATION_MACHINE } from './contract-negotiation';

/** The outbox entry announcing that `cn` reached its current state (EDC's payload). */
export function contractNegotiationEvent(cn: ContractNegotiation, details: TransitionDetails, eventId: string): OutboxEntry {
  const type = NEGOTIATION_MACHINE.eventOf[cn.state];
  if (!type) throw new Error(`No event announces negotiation state ${cn.state}`);
  const offer = { id: cn.offer['@id'], assetId: cn.offer.target, policy: cn.offer };
  const payload: ContractNegotiationEventPayload = {
    contractNegotiationId: cn.id,
    counterPartyAddress: cn.counterPartyAddress,
    counterPartyId: cn.counterPartyId,
    protocol: cn.protocol,
    // Origins only, no auth names (docs/delivery.md, "What a receiver gets").
    callbackAddresses: payloadCallbackAddresses(cn.callbackAddresses),
    contractOffers: [offer],
    lastContractOffer: offer,
    ...(cn.state === 'FINALIZED' && cn.agreement ? { contractAgreement: { ...cn.agreement } } : {}),
    ...(cn.state === 'TERMINATED' ? { reason: details.reason ?? null } : {}),
  };
  return announce('contractnegotiation', cn, type, payload, eventId);
}
