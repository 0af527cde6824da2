import { CallbackAddress } from '@app/events';
import { ContractAgreement } from '../contract-agreements/contract-agreement';
import { EdcPolicy } from '../policies/edc-policy';
import { StateMachine } from '../lifecycle/state-machine';
import { StatefulEntity } from '../state-store/stored-entity';

/** EDC's contract negotiation states with their codes. */
export const NEGOTIATION_STATE_CODES = {
  INITIAL: 50,
  REQUESTING: 100,
  REQUESTED: 200,
  OFFERING: 300,
  OFFERED: 400,
  ACCEPTING: 700,
  ACCEPTED: 800,
  AGREEING: 825,
  AGREED: 850,
  VERIFYING: 1050,
  VERIFIED: 1100,
  FINALIZING: 1150,
  FINALIZED: 1200,
  TERMINATING: 1300,
  TERMINATED: 1400,
} as const;

export type NegotiationState = keyof typeof NEGOTIATION_STATE_CODES;

/** EDC's consumer-side negotiation machine; FINALIZED and TERMINATED are final. */
export const NEGOTIATION_MACHINE: StateMachine<NegotiationState> = {
  kind: 'contractnegotiation',
  label: 'ContractNegotiation',
  codes: NEGOTIATION_STATE_CODES,
  transitions: {
    REQUESTED: ['INITIAL'],
    OFFERED: ['INITIAL', 'REQUESTED'],
    ACCEPTED: ['OFFERED'],
    AGREED: ['REQUESTED', 'ACCEPTED'],
    VERIFIED: ['AGREED'],
    FINALIZED: ['VERIFIED'],
    TERMINATED: ['INITIAL', 'REQUESTED', 'OFFERED', 'ACCEPTED', 'AGREED', 'VERIFIED'],
  },
  eventOf: {
    INITIAL: 'ContractNegotiationInitiated',
    REQUESTED: 'ContractNegotiationRequested',
    OFFERED: 'ContractNegotiationOffered',
    ACCEPTED: 'ContractNegotiationAccepted',
    AGREED: 'ContractNegotiationAgreed',
    VERIFIED: 'ContractNegotiationVerified',
    FINALIZED: 'ContractNegotiationFinalized',
    TERMINATED: 'ContractNegotiationTerminated',
  },
  // The simulated provider agrees to the request; the consumer verifies; the provider finalizes.
  simulatedNext: { INITIAL: 'REQUESTED', REQUESTED: 'AGREED', AGREED: 'VERIFIED', VERIFIED: 'FINALIZED' },
};

/** EDC's `ContractOffer` as Jackson writes it (the `contractOffers` of negotiation events). */
export interface ContractOffer {
  id: string;
  policy: EdcPolicy;
  assetId: string;
}

export interface ContractNegotiation extends StatefulEntity<NegotiationState> {
  type: 'CONSUMER';
  counterPartyAddress: string;
  counterPartyId: string;
  protocol: string;
  /** The offer the consumer asked for: EDC's negotiations keep it as their last offer. */
  offer: ContractOffer;
  callbackAddresses: CallbackAddress[];
  /** EDC's flag for a negotiation waiting on its own side; this consumer never waits, so false. */
  pending: boolean;
  contractAgreementId?: string;
  contractAgreement?: ContractAgreement;
}
