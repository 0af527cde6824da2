import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule, HealthModule, loggingModule, MetricsModule, RedisModule } from '@app/platform';
import { DeliveryAttemptsModule } from './delivery/delivery-attempts.module';
import { EventStreamModule } from './event-stream/event-stream.module';
import { DispatcherMetricsModule } from './metrics/metrics.module';

@Module({})
export class DispatcherModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DispatcherModule,
      imports: [
        ConfigModule.forRoot(config),
        loggingModule(config),
        RedisModule,
        HealthModule,
        MetricsModule.forRoot('dispatcher'),
        DeliveryAttemptsModule,
        EventStreamModule,
        DispatcherMetricsModule,
      ],
    };
  }
}
