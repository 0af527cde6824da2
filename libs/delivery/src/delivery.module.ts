import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/platform';
import { CallbackSender } from './callback-sender.service';
import { CircuitStateStore } from './circuits/circuit-state-store';
import { DeliveryLog } from './delivery-log/delivery-log.service';
import { DeliveryQueues } from './delivery-queues';
import { EventBodyStore } from './event-body-store';
import { DeliveryLanes } from './lanes/delivery-lanes';
import { SecretResolver } from './secret-resolver.service';
import { DeliverySigner } from './signing';
import { EndpointHealth } from './endpoints/endpoint-health';
import { EndpointRegistry } from './endpoints/endpoint-registry';
import { EndpointStore } from './endpoints/endpoint-store';
import { EndpointRateLimiter } from './endpoints/rate-limiter';
import { RetryPolicy } from './retry-policy';

const PROVIDERS = [
  CallbackSender,
  SecretResolver,
  DeliverySigner,
  DeliveryLog,
  EventBodyStore,
  DeliveryQueues,
  DeliveryLanes,
  EndpointStore,
  EndpointRegistry,
  EndpointHealth,
  EndpointRateLimiter,
  CircuitStateStore,
  { provide: RetryPolicy, useFactory: (config: AppConfig) => new RetryPolicy(config.dispatch), inject: [APP_CONFIG] },
];

/** Sending callbacks and recording them; needs ConfigModule and RedisModule (both global). */
@Module({
  providers: [...PROVIDERS],
  exports: [...PROVIDERS],
})
export class DeliveryModule {}
