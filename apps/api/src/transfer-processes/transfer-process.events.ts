import { TransferProcessEventPayload, StreamEvent } from '@app/events';
import { payloadCallbackAddresses } from '../callback-addresses/payload-callback-addresses';
import { announce, TransitionDetails } from '../lifecycle/entity-lifecycle';
import { toEdcDataAddress } from './data-address';
import { TRANSFER_MACHINE, TransferProcess } from './transfer-process';

/**
 * The outbox entry announcing that `tp` reached its current state: the fields of EDC's
 * `TransferProcessEvent` subclass, in Jackson's order (docs/delivery.md lists them).
 */
export function transferProcessEvent(tp: TransferProcess, details: TransitionDetails, eventId: string): StreamEvent {
  const type = TRANSFER_MACHINE.eventOf[tp.state];
  if (!type) throw new Error(`No event announces transfer state ${tp.state}`);
  const payload: TransferProcessEventPayload = {
    transferProcessId: tp.id,
    // Origins only, no auth names (docs/delivery.md, "What a receiver gets").
    callbackAddresses: payloadCallbackAddresses(tp.callbackAddresses),
    assetId: tp.assetId,
    type: tp.type,
    contractId: tp.contractId,
    protocol: tp.protocol,
    // EDC's extra fields: the data address on Started, the reason on Suspended and Terminated.
    ...(tp.state === 'STARTED' ? { dataAddress: toEdcDataAddress(details.dataAddress ?? tp.dataAddress) } : {}),
    ...(tp.state === 'SUSPENDED' || tp.state === 'TERMINATED' ? { reason: details.reason ?? null } : {}),
  };
  return announce('transferprocess', tp, type, payload, eventId);
}
