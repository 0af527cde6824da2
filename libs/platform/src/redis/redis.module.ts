import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/app-config';
import { commandConnectionOptions, untilReady } from './redis-connection';

export const REDIS = Symbol('REDIS');

/** The one command connection an app shares for its own keys (BullMQ keeps its own). */
@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => {
        const redis = new Redis(commandConnectionOptions(config.redisUrl));
        // One line per connection error (reconnects back off to one try every 2 s), in the
        // app's log rather than ioredis' "Unhandled error event" on stderr.
        const logger = new Logger('Redis');
        redis.on('error', (err: Error) => logger.warn(`Redis connection: ${err.message}`));
        await untilReady(redis);
        return redis;
      },
    },
    RedisCloser,
  ],
  exports: [REDIS],
})
export class RedisModule {}
