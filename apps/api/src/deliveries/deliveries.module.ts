import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { DeliveryModule } from '@app/delivery';
import { QUEUE } from '@app/platform';
import { DeliveriesController } from './deliveries.controller';
import { DeliveriesService } from './deliveries.service';

/** `/management/v1/deliveries`: the delivery log, and retrying dead letters. */
@Module({
  imports: [DeliveryModule, BullModule.registerQueue({ name: QUEUE.deliveries })],
  controllers: [DeliveriesController],
  providers: [DeliveriesService],
})
export class DeliveriesModule {}
