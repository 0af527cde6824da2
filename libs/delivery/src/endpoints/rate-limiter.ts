import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { partitionKey, Partitions, REDIS, withScripts } from '@app/platform';
import RATE_LIMIT from './scripts/rate-limit.lua';

/** This store's scripts, as commands of its connection. */
interface Scripts {
  cbRateLimit(key: string, rate: number, now: number): Promise<number>;
}

/**
 * Rate limits of endpoints, across all replicas: each limited endpoint's bucket is one key in the
 * partition of its id (so limited endpoints spread over a Cluster), asked once per attempt. An
 * unlimited endpoint never calls it.
 */
@Injectable()
export class EndpointRateLimiter {
  private readonly redis: Redis & Scripts;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly partitions: Partitions,
  ) {
    this.redis = withScripts<Scripts>(redis, {
      cbRateLimit: { numberOfKeys: 1, lua: RATE_LIMIT },
    });
  }

  /** 0 when a delivery to endpoint `id` may go now, else how long to wait (ms). */
  waitMs(id: string, ratePerSecond: number, now = Date.now()): Promise<number> {
    return this.redis.cbRateLimit(partitionKey(this.partitions.of(id), 'endpoint-rate', id), ratePerSecond, now);
  }
}
