import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QUEUE } from '@app/platform';
import { ContractNegotiationsModule } from '../contract-negotiations/contract-negotiations.module';
import { TransferProcessesModule } from '../transfer-processes/transfer-processes.module';
import { SimulationFeed } from './simulation-feed';
import { SimulationProcessor } from './simulation.processor';

/** Loaded only with COUNTERPARTY_MODE=simulated. */
@Module({
  imports: [
    ContractNegotiationsModule,
    TransferProcessesModule,
    BullModule.registerQueue({
      name: QUEUE.simulation,
      // A step refused by a transactional callback is tried again, for about 8 minutes.
      defaultJobOptions: { attempts: 10, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 7 * 24 * 3600 } },
    }),
  ],
  providers: [SimulationFeed, SimulationProcessor],
})
export class SimulationModule {}
