import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/app-config';
import { redisOptionsFromUrl } from './redis-connection';

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
      useFactory: (config: AppConfig) => new Redis(redisOptionsFromUrl(config.redisUrl)),
    },
    RedisCloser,
  ],
  exports: [REDIS],
})
export class RedisModule {}
