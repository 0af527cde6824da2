import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QUEUE } from '@app/platform';
import { StateStoreModule } from '../state-store/state-store.module';
import { OutboxRelay } from './outbox-relay.service';

@Module({
  imports: [
    StateStoreModule,
    BullModule.registerQueue(
      {
        name: QUEUE.events,
        defaultJobOptions: {
          attempts: 10,
          backoff: { type: 'exponential', delay: 1000 },
          // Completed events are kept a day so a relay that runs twice finds the job id taken.
          removeOnComplete: { age: 24 * 3600, count: 100_000 },
          removeOnFail: false,
        },
      },
      {
        name: QUEUE.simulation,
        // A step refused by a transactional callback is tried again, for about 8 minutes.
        defaultJobOptions: { attempts: 10, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 7 * 24 * 3600 } },
      },
    ),
  ],
  providers: [OutboxRelay],
  exports: [OutboxRelay, StateStoreModule],
})
export class OutboxModule {}
