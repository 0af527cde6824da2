import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule, HealthModule, loggingModule, MetricsModule, RedisModule } from '@app/platform';
import { AttemptsModule } from './attempts/attempts.module';
import { FanOutModule } from './fan-out/fan-out.module';
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
        AttemptsModule,
        FanOutModule,
        DispatcherMetricsModule,
      ],
    };
  }
}
