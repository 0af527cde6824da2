import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { DeliveryModule } from '@app/delivery';
import { QUEUE } from '@app/platform';
import { MetricsController } from './metrics.controller';

@Module({
  imports: [DeliveryModule, BullModule.registerQueue({ name: QUEUE.simulation })],
  controllers: [MetricsController],
})
export class ApiMetricsModule {}
