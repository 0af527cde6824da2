import { BullModule } from '@nestjs/bullmq';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/app-config';
import { redisOptionsFromUrl } from '../redis/redis-connection';
import { bullPrefix } from './queue-names';

/** BullMQ's shared connection settings and key prefix, from the validated configuration. */
export const QueuesRootModule = BullModule.forRootAsync({
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => ({
    connection: redisOptionsFromUrl(config.redisUrl),
    prefix: bullPrefix(config),
  }),
});
