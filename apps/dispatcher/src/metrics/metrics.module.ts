import { Module } from '@nestjs/common';
import { DeliveryAttemptsModule } from '../delivery/delivery-attempts.module';
import { MetricsController } from './metrics.controller';

@Module({
  imports: [DeliveryAttemptsModule],
  controllers: [MetricsController],
})
export class DispatcherMetricsModule {}
