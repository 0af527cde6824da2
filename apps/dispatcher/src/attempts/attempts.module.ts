import { Module } from '@nestjs/common';
import { DeliveryModule as DeliveryLibModule } from '@app/delivery';
import { AttemptRunner } from './attempt-runner';
import { CircuitPublisher } from './circuit-publisher';
import { RetryWorker } from './retry.worker';

/** Attempts of deliveries in this replica: the runner both paths share, the retry workers, and its circuits told to Redis. */
@Module({
  imports: [DeliveryLibModule],
  providers: [AttemptRunner, RetryWorker, CircuitPublisher],
  exports: [DeliveryLibModule, AttemptRunner],
})
export class AttemptsModule {}
