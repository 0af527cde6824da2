import { TransferProcessEventPayload } from '@app/events';
import { payloadCallbackAddresses } from '../callback-addresses/payload-callback-addresses';
import { announce, TransitionDetails } from '../lifecycle/entity-lifecycle';
import { OutboxEntry } from '../state-store/stored-entity';
import { TRANSFER_MACHINE, TransferProcess } from './transfer-process';

/** The outbox entry announcing that `tp` reached its current state (EDC's payload). */
export function transferProcessEvent(tp: TransferProcess, details: TransitionDetails, eventId: string): OutboxEntry {
  const type = TRANSFER_MACHINE.eventOf[tp.state];
  if (!type) throw new Error(`No event announces transfer state ${tp.state}`);
  const payload: TransferProcessEventPayload = {
    transferProcessId: tp.id,
    ...(tp.assetId !== undefined ? { assetId: tp.assetId } : {}),
    contractId: tp.contractId,
    type: tp.type,
    protocol: tp.protocol,
    // Origins only, no auth names (docs/delivery.md, "What a receiver gets").
    callbackAddresses: payloadCallbackAddresses(tp.callbackAddresses),
    // EDC's extra fields: the data address on Started, the reason on Suspended and Terminated.
    ...(tp.state === 'STARTED' ? { dataAddress: details.dataAddress ?? tp.dataAddress } : {}),
    ...(tp.state === 'SUSPENDED' || tp.state === 'TERMINATED' ? { reason: details.reason ?? null } : {}),
  };
  return announce('transferprocess', tp, type, payload, eventId);
}
