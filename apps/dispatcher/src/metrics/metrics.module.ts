import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { MetricsController } from './metrics.controller';

@Module({
  imports: [DeliveryModule],
  controllers: [MetricsController],
})
export class DispatcherMetricsModule {}
