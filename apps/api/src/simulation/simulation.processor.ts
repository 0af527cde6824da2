import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QUEUE } from '@app/platform';
import { ContractNegotiationsService } from '../contract-negotiations/contract-negotiations.service';
import { NegotiationState } from '../contract-negotiations/contract-negotiation';
import { TransferProcessesService } from '../transfer-processes/transfer-processes.service';
import { TransferState } from '../transfer-processes/transfer-process';
import { SimulationStep } from './simulation-step';

/** The simulated counterparty: reacts to each state a simulated object reached (api only). */
@Processor(QUEUE.simulation)
export class SimulationProcessor extends WorkerHost {
  constructor(
    private readonly negotiations: ContractNegotiationsService,
    private readonly transfers: TransferProcessesService,
  ) {
    super();
  }

  async process(job: Job<SimulationStep>): Promise<void> {
    const { kind, id, state } = job.data;
    if (kind === 'transferprocess') await this.transfers.simulateStep(id, state as TransferState);
    if (kind === 'contractnegotiation') await this.negotiations.simulateStep(id, state as NegotiationState);
  }
}
