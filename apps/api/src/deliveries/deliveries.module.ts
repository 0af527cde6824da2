import { Module } from '@nestjs/common';
import { DeliveryModule } from '@app/delivery';
import { DeliveriesController } from './deliveries.controller';
import { DeliveriesService } from './deliveries.service';

/** `/management/v1/deliveries`: the delivery log, and retrying dead letters. */
@Module({
  imports: [DeliveryModule],
  controllers: [DeliveriesController],
  providers: [DeliveriesService],
})
export class DeliveriesModule {}
