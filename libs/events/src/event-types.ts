/**
 * Event names exactly as EDC publishes them: the `type` of the envelope (the Java class name)
 * and the filter name (`Event.name()`) that callback `events` filters are matched against.
 */
export const EVENT_FILTER_NAMES = {
  ContractNegotiationInitiated: 'contract.negotiation.initiated',
  ContractNegotiationRequested: 'contract.negotiation.requested',
  ContractNegotiationOffered: 'contract.negotiation.offered',
  ContractNegotiationAccepted: 'contract.negotiation.accepted',
  ContractNegotiationAgreed: 'contract.negotiation.agreed',
  ContractNegotiationVerified: 'contract.negotiation.verified',
  ContractNegotiationFinalized: 'contract.negotiation.finalized',
  ContractNegotiationTerminated: 'contract.negotiation.terminated',
  TransferProcessInitiated: 'transfer.process.initiated',
  TransferProcessProvisioned: 'transfer.process.provisioned',
  TransferProcessRequested: 'transfer.process.requested',
  TransferProcessStarted: 'transfer.process.started',
  TransferProcessSuspended: 'transfer.process.suspended',
  // EDC names the resumed event "resuming"; receivers filter on that spelling.
  TransferProcessResumed: 'transfer.process.resuming',
  TransferProcessCompleted: 'transfer.process.completed',
  TransferProcessTerminated: 'transfer.process.terminated',
  TransferProcessDeprovisioned: 'transfer.process.deprovisioned',
  CallbackReceived: 'callback.received',
  // A static or registered endpoint disabled by its health (or through the API), and enabled again.
  EndpointDisabled: 'endpoint.disabled',
  EndpointEnabled: 'endpoint.enabled',
} as const;

export type EventType = keyof typeof EVENT_FILTER_NAMES;
export type EventFilterName = (typeof EVENT_FILTER_NAMES)[EventType];

export const EVENT_TYPES = Object.keys(EVENT_FILTER_NAMES) as EventType[];

export function filterNameOf(type: EventType): EventFilterName {
  return EVENT_FILTER_NAMES[type];
}
