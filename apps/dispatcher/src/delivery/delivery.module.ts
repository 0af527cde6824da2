import { Module } from '@nestjs/common';
import { DeliveryModule as DeliveryLibModule } from '@app/delivery';
import { AttemptRunner } from './attempt-runner';
import { DeliveryWorker } from './delivery.worker';

@Module({
  imports: [DeliveryLibModule],
  providers: [AttemptRunner, DeliveryWorker],
  exports: [DeliveryLibModule, AttemptRunner],
})
export class DeliveryModule {}
