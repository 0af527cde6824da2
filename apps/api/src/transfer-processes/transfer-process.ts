import { CallbackAddress } from '@app/events';
import { StateMachine } from '../lifecycle/state-machine';
import { StatefulEntity } from '../state-store/stored-entity';

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

/**
 * EDC's consumer-side transfer machine over the states a signal or command can reach (the
 * `-ING` states are EDC's internal steps and are never stored here). COMPLETED, TERMINATED
 * and DEPROVISIONED are final, except that the first two may still be deprovisioned.
 */
export const TRANSFER_MACHINE: StateMachine<TransferState> = {
  kind: 'transferprocess',
  label: 'TransferProcess',
  codes: TRANSFER_STATE_CODES,
  transitions: {
    PROVISIONED: ['INITIAL'],
    REQUESTED: ['INITIAL', 'PROVISIONED'],
    STARTED: ['REQUESTED', 'SUSPENDED', 'RESUMED'],
    SUSPENDED: ['STARTED'],
    RESUMED: ['SUSPENDED'],
    COMPLETED: ['STARTED'],
    TERMINATED: NON_FINAL,
    DEPROVISIONED: ['COMPLETED', 'TERMINATED'],
  },
  eventOf: {
    INITIAL: 'TransferProcessInitiated',
    PROVISIONED: 'TransferProcessProvisioned',
    REQUESTED: 'TransferProcessRequested',
    STARTED: 'TransferProcessStarted',
    SUSPENDED: 'TransferProcessSuspended',
    RESUMED: 'TransferProcessResumed',
    COMPLETED: 'TransferProcessCompleted',
    TERMINATED: 'TransferProcessTerminated',
    DEPROVISIONED: 'TransferProcessDeprovisioned',
  },
  // The simulated provider requests, starts and (for PUSH only, see the service) completes; a
  // resumed transfer starts again.
  simulatedNext: { INITIAL: 'REQUESTED', REQUESTED: 'STARTED', STARTED: 'COMPLETED', RESUMED: 'STARTED' },
};

export interface TransferProcess extends StatefulEntity<TransferState> {
  type: 'CONSUMER';
  counterPartyAddress: string;
  protocol: string;
  contractId: string;
  /** The agreement's asset (EDC ignores the request's deprecated `assetId`). */
  assetId: string;
  transferType: string;
  dataDestination?: Record<string, unknown>;
  privateProperties?: Record<string, unknown>;
  managedResources?: boolean;
  callbackAddresses: CallbackAddress[];
  dataAddress?: Record<string, unknown>;
}
