import { CallbackAddress, EventType } from '@app/events';
import { StoredEntity } from '../state-store/stored-entity';

/** EDC's transfer process states with their codes. */
export const TRANSFER_STATE_CODES = {
  INITIAL: 100,
  PROVISIONING: 200,
  PROVISIONED: 300,
  REQUESTING: 400,
  REQUESTED: 500,
  STARTING: 550,
  STARTED: 600,
  SUSPENDING: 650,
  SUSPENDED: 700,
  RESUMING: 720,
  RESUMED: 725,
  COMPLETING: 750,
  COMPLETED: 800,
  TERMINATING: 825,
  TERMINATED: 850,
  DEPROVISIONING: 900,
  DEPROVISIONED: 1000,
} as const;

export type TransferState = keyof typeof TRANSFER_STATE_CODES;

const NON_FINAL: TransferState[] = ['INITIAL', 'PROVISIONED', 'REQUESTED', 'STARTED', 'SUSPENDED', 'RESUMED'];

/** For each state a transfer can be moved to: the states it may come from (EDC's rules). */
export const TRANSFER_TRANSITIONS: Partial<Record<TransferState, TransferState[]>> = {
  PROVISIONED: ['INITIAL'],
  REQUESTED: ['INITIAL', 'PROVISIONED'],
  STARTED: ['REQUESTED', 'SUSPENDED', 'RESUMED'],
  SUSPENDED: ['STARTED'],
  RESUMED: ['SUSPENDED'],
  COMPLETED: ['STARTED'],
  TERMINATED: NON_FINAL,
  DEPROVISIONED: ['COMPLETED', 'TERMINATED'],
};

/** The event that announces each state a transfer reaches. */
export const TRANSFER_EVENT_OF: Partial<Record<TransferState, EventType>> = {
  INITIAL: 'TransferProcessInitiated',
  PROVISIONED: 'TransferProcessProvisioned',
  REQUESTED: 'TransferProcessRequested',
  STARTED: 'TransferProcessStarted',
  SUSPENDED: 'TransferProcessSuspended',
  RESUMED: 'TransferProcessResumed',
  COMPLETED: 'TransferProcessCompleted',
  TERMINATED: 'TransferProcessTerminated',
  DEPROVISIONED: 'TransferProcessDeprovisioned',
};

/** What the simulated counterparty does next after each state (`COUNTERPARTY_MODE=simulated`). */
export const SIMULATED_NEXT: Partial<Record<TransferState, TransferState>> = {
  INITIAL: 'REQUESTED',
  REQUESTED: 'STARTED',
  STARTED: 'COMPLETED',
};

export function canTransition(from: TransferState, to: TransferState): boolean {
  return TRANSFER_TRANSITIONS[to]?.includes(from) ?? false;
}

export interface TransferProcess extends StoredEntity {
  state: TransferState;
  type: 'CONSUMER';
  stateTimestamp: number;
  counterPartyAddress: string;
  protocol: string;
  contractId: string;
  assetId?: string;
  transferType: string;
  dataDestination?: Record<string, unknown>;
  privateProperties?: Record<string, unknown>;
  managedResources?: boolean;
  callbackAddresses: CallbackAddress[];
  dataAddress?: Record<string, unknown>;
  errorDetail?: string;
}

/** Details a transition may carry into its event. */
export interface TransitionDetails {
  reason?: string;
  dataAddress?: Record<string, unknown>;
}
