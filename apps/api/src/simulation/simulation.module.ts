import { Module } from '@nestjs/common';
import { ContractNegotiationsModule } from '../contract-negotiations/contract-negotiations.module';
import { TransferProcessesModule } from '../transfer-processes/transfer-processes.module';
import { SimulationProcessor } from './simulation.processor';

/** Loaded only with COUNTERPARTY_MODE=simulated. */
@Module({
  imports: [ContractNegotiationsModule, TransferProcessesModule],
  providers: [SimulationProcessor],
})
export class SimulationModule {}
