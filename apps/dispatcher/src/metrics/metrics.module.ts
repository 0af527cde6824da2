import { Module } from '@nestjs/common';
import { AttemptsModule } from '../attempts/attempts.module';
import { MetricsController } from './metrics.controller';

@Module({
  imports: [AttemptsModule],
  controllers: [MetricsController],
})
export class DispatcherMetricsModule {}
