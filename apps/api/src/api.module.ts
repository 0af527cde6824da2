import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import {
  AppConfig,
  ConfigModule,
  HealthModule,
  loggingModule,
  MetricsModule,
  QueueErrorLogger,
  QueuesRootModule,
  RedisModule,
} from '@app/platform';
import { AdminModule } from './admin/admin.module';
import { ContractAgreementsApiModule } from './contract-agreements/contract-agreements-api.module';
import { ContractNegotiationsModule } from './contract-negotiations/contract-negotiations.module';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { ApiMetricsModule } from './metrics/metrics.module';
import { InboundCallbacksModule } from './inbound-callbacks/inbound-callbacks.module';
import { EndpointsModule } from './endpoints/endpoints.module';
import { EdcExceptionFilter } from './http/edc-exception.filter';
import { SecretsModule } from './secrets/secrets.module';
import { SignalingModule } from './signaling/signaling.module';
import { SimulationModule } from './simulation/simulation.module';
import { TransferProcessesModule } from './transfer-processes/transfer-processes.module';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        DiscoveryModule,
        loggingModule(config),
        RedisModule,
        HealthModule,
        QueuesRootModule,
        MetricsModule.forRoot('api'),
        ApiMetricsModule,
        ContractNegotiationsModule,
        ContractAgreementsApiModule,
        TransferProcessesModule,
        SignalingModule,
        InboundCallbacksModule,
        AdminModule,
        SecretsModule,
        DeliveriesModule,
        EndpointsModule,
        ...(config.counterpartyMode === 'simulated' ? [SimulationModule] : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: EdcExceptionFilter }, QueueErrorLogger],
    };
  }
}
