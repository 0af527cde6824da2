import { Module } from '@nestjs/common';
import { DeliveryModule } from '@app/delivery';
import { DeliveriesController } from './deliveries.controller';
import { DeadLetterRecovery } from './dead-letter-recovery';
import { DeliveriesService } from './deliveries.service';

/** `/management/v1/deliveries`: the delivery log, retrying, skipping and recovering dead letters. */
@Module({
  imports: [DeliveryModule],
  controllers: [DeliveriesController],
  providers: [DeliveriesService, DeadLetterRecovery],
  exports: [DeliveriesService, DeadLetterRecovery],
})
export class DeliveriesModule {}
