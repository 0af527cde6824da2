import { Module } from '@nestjs/common';
import { DeliveryModule } from '@app/delivery';
import { SimulationQueueModule } from '../simulation/simulation-queue.module';
import { MetricsController } from './metrics.controller';

@Module({
  imports: [DeliveryModule, SimulationQueueModule],
  controllers: [MetricsController],
})
export class ApiMetricsModule {}
