import { BullModule } from '@nestjs/bullmq';
import Redis from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/app-config';
import { BULL_CONNECTION } from '../redis/redis.module';
import { bullPrefix } from './queue-names';

/** BullMQ's shared connection and key prefix for the queues registered with `BullModule`. */
export const QueuesRootModule = BullModule.forRootAsync({
  inject: [APP_CONFIG, BULL_CONNECTION],
  useFactory: (config: AppConfig, connection: Redis) => ({ connection, prefix: bullPrefix(config) }),
});
