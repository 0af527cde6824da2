import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QUEUE } from '@app/platform';

/** The simulation queue's one registration in the api: its worker, metrics and Bull Board share it. */
@Module({
  imports: [
    BullModule.registerQueue({
      name: QUEUE.simulation,
      // A step refused by a transactional callback is tried again, for about 8 minutes.
      defaultJobOptions: {
        attempts: 10,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    }),
  ],
  exports: [BullModule],
})
export class SimulationQueueModule {}
