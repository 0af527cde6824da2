import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QUEUE } from '@app/platform';
import { DeliveryModule } from '../delivery/delivery.module';
import { MetricsController } from './metrics.controller';

@Module({
  imports: [DeliveryModule, BullModule.registerQueue({ name: QUEUE.events })],
  controllers: [MetricsController],
})
export class DispatcherMetricsModule {}
