import { Module } from '@nestjs/common';
import { TransferProcessesModule } from '../transfer-processes/transfer-processes.module';
import { SimulationProcessor } from './simulation.processor';

/** Loaded only with COUNTERPARTY_MODE=simulated. */
@Module({
  imports: [TransferProcessesModule],
  providers: [SimulationProcessor],
})
export class SimulationModule {}
