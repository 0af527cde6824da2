import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig, QUEUE } from '@app/platform';
import { DeliveryModule as DeliveryLibModule } from '@app/delivery';
import { AttemptRunner } from './attempt-runner';
import { DeliveryWorker } from './delivery.worker';

const DeliveriesQueue = BullModule.registerQueueAsync({
  name: QUEUE.deliveries,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => ({
    defaultJobOptions: {
      attempts: config.dispatch.maxAttempts,
      backoff: { type: 'callback' },
      removeOnComplete: { age: 24 * 3600, count: 100_000 },
      // Dead letters stay until someone retries or removes them.
      removeOnFail: false,
    },
  }),
});

@Module({
  imports: [DeliveriesQueue, DeliveryLibModule],
  providers: [AttemptRunner, DeliveryWorker],
  exports: [DeliveriesQueue, DeliveryLibModule, AttemptRunner],
})
export class DeliveryModule {}
