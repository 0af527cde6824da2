import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, ensureStreamGroup, eventStreamKey, Partitions, REDIS, STREAM_GROUPS, streamGroups } from '@app/platform';

/**
 * The consumer groups that must read every event the api commits, on every partition's
 * stream, made before the api takes
 * its first request: `dispatch` always, so events committed while no dispatcher has ever run
 * wait for one; `simulation` in simulated mode. In manual mode a `simulation` group left from
 * a simulated run is removed, since nothing would read it and the stream could never be trimmed.
 */
@Injectable()
export class EventStreamGroups implements OnModuleInit {
  private readonly logger = new Logger('EventStream');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly partitions: Partitions,
  ) {}

  async onModuleInit(): Promise<void> {
    try {
      await Promise.all(this.partitions.all.map((p) => this.ensureGroups(eventStreamKey(p))));
    } catch (err) {
      // Redis refusing (out of memory): the groups' own readers make them too, and nothing is
      // trimmed until they exist, so the api starts and answers 503 while Redis refuses.
      this.logger.warn(`Could not make the event stream's groups now: ${(err as Error).message}`);
    }
  }

  private async ensureGroups(key: string): Promise<void> {
    await ensureStreamGroup(this.redis, key, STREAM_GROUPS.dispatch);
    if (this.config.counterpartyMode === 'simulated') await ensureStreamGroup(this.redis, key, STREAM_GROUPS.simulation);
    else if ((await streamGroups(this.redis, key)).includes(STREAM_GROUPS.simulation))
      await this.redis.xgroup('DESTROY', key, STREAM_GROUPS.simulation);
  }
}
