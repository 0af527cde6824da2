import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/app-config';
import { Partitions } from '../partitions/partitions';
import { BLOCKING_CONNECTION, COMMAND_CONNECTION, connectRedis, untilReady } from './redis-connection';

/** The one command connection an app shares for its own keys. */
export const REDIS = Symbol('REDIS');
/**
 * The connection every BullMQ queue and worker of an app shares for its commands (each worker
 * opens a blocking one of its own from it). A Redis Cluster can only be given to BullMQ as a
 * client, never as options, so the app makes this one and closes it last.
 */
export const BULL_CONNECTION = Symbol('BULL_CONNECTION');

/** Closes the app's shared connections, after every module that uses them has stopped. */
@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(BULL_CONNECTION) private readonly bull: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.redis, this.bull].map((client) => client.quit().catch(() => client.disconnect())));
  }
}

function connectionFactory(name: string, options: typeof COMMAND_CONNECTION) {
  return async (config: AppConfig) => {
    const redis = connectRedis(config.redisUrl, options);
    // One line per connection error (reconnects back off to one try every 2 s), in the
    // app's log rather than ioredis' "Unhandled error event" on stderr.
    const logger = new Logger('Redis');
    redis.on('error', (err: Error) => logger.warn(`Redis ${name} connection: ${err.message}`));
    await untilReady(redis);
    return redis;
  };
}

@Global()
@Module({
  providers: [
    { provide: REDIS, inject: [APP_CONFIG], useFactory: connectionFactory('command', COMMAND_CONNECTION) },
    { provide: BULL_CONNECTION, inject: [APP_CONFIG], useFactory: connectionFactory('queue', BLOCKING_CONNECTION) },
    {
      provide: Partitions,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new Partitions(config.redisPrefix, config.redisPartitions),
    },
    RedisCloser,
  ],
  exports: [REDIS, BULL_CONNECTION, Partitions],
})
export class RedisModule {}
