import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QUEUE } from '@app/platform';
import { MetricsController } from './metrics.controller';

@Module({
  imports: [BullModule.registerQueue({ name: QUEUE.deliveries }, { name: QUEUE.simulation })],
  controllers: [MetricsController],
})
export class ApiMetricsModule {}
