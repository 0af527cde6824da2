import { Module } from '@nestjs/common';
import { ContractNegotiationsModule } from '../contract-negotiations/contract-negotiations.module';
import { TransferProcessesModule } from '../transfer-processes/transfer-processes.module';
import { SimulationFeed } from './simulation-feed';
import { SimulationQueueModule } from './simulation-queue.module';
import { SimulationWorker } from './simulation.worker';

/** Loaded only with COUNTERPARTY_MODE=simulated. */
@Module({
  imports: [ContractNegotiationsModule, TransferProcessesModule, SimulationQueueModule],
  providers: [SimulationFeed, SimulationWorker],
})
export class SimulationModule {}
