import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig, ConfigModule, HealthController, loggingModule, MetricsModule, QueueErrorLogger, QueuesRootModule, RedisModule } from '@app/platform';
import { DeliveryModule } from './delivery/delivery.module';
import { EventStreamModule } from './event-stream/event-stream.module';
import { DispatcherMetricsModule } from './metrics/metrics.module';

@Module({})
export class DispatcherModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DispatcherModule,
      imports: [ConfigModule.forRoot(config), DiscoveryModule, loggingModule(config), RedisModule, QueuesRootModule, MetricsModule.forRoot('dispatcher'), DeliveryModule, EventStreamModule, DispatcherMetricsModule],
      controllers: [HealthController],
      providers: [QueueErrorLogger],
    };
  }
}
