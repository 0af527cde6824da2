import { Injectable } from '@nestjs/common';
import { ContractNegotiationsService } from '../contract-negotiations/contract-negotiations.service';
import { NEGOTIATION_MACHINE, NegotiationState } from '../contract-negotiations/contract-negotiation';
import { InvalidInput, NotFound } from '../domain/domain-errors';
import { TransitionDetails } from '../lifecycle/entity-lifecycle';
import { signalsOf } from '../lifecycle/state-machine';
import { TransferProcessesService } from '../transfer-processes/transfer-processes.service';
import { TRANSFER_MACHINE, TransferState } from '../transfer-processes/transfer-process';

export const NEGOTIATION_SIGNALS = signalsOf(NEGOTIATION_MACHINE);
export const TRANSFER_SIGNALS = signalsOf(TRANSFER_MACHINE);

/**
 * A counterparty's or data plane's report of where it is: each signal names the state it
 * reports, and is one transition with one event, or 409. Used by the signaling API and by
 * inbound callback URLs that move an object on when they are called.
 */
@Injectable()
export class SignalingService {
  constructor(
    private readonly negotiations: ContractNegotiationsService,
    private readonly transfers: TransferProcessesService,
  ) {}

  /** Whether the negotiation or transfer `id` exists. */
  async exists(kind: 'transferprocess' | 'contractnegotiation', id: string): Promise<boolean> {
    const service = kind === 'transferprocess' ? this.transfers : this.negotiations;
    return service.get(id).then(
      () => true,
      (err) => {
        if (err instanceof NotFound) return false;
        throw err;
      },
    );
  }

  async signalNegotiation(id: string, signal: string, details: TransitionDetails = {}): Promise<NegotiationState> {
    return (await this.negotiations.transition(id, stateOf<NegotiationState>(signal, NEGOTIATION_SIGNALS), { reason: details.reason }))
      .state;
  }

  async signalTransfer(id: string, signal: string, details: TransitionDetails = {}): Promise<TransferState> {
    return (await this.transfers.transition(id, stateOf<TransferState>(signal, TRANSFER_SIGNALS), details)).state;
  }
}

function stateOf<S extends string>(signal: string, known: readonly string[]): S {
  if (!known.includes(signal))
    throw new InvalidInput([{ message: `signal "${signal}" is not one of ${known.join(', ')}`, path: 'signal', invalidValue: signal }]);
  return signal.toUpperCase() as S;
}
