import { Module } from '@nestjs/common';
import { DeliveryModule as DeliveryLibModule } from '@app/delivery';
import { AttemptRunner } from './attempt-runner';
import { DeliveryWorker } from './delivery.worker';

/** Attempts of deliveries in this replica: the runner both paths share, and the retry workers. */
@Module({
  imports: [DeliveryLibModule],
  providers: [AttemptRunner, DeliveryWorker],
  exports: [DeliveryLibModule, AttemptRunner],
})
export class DeliveryAttemptsModule {}
