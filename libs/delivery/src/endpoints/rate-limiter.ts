import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { partitionKey, Partitions, REDIS } from '@app/platform';
import RATE_LIMIT from './scripts/rate-limit.lua';

type ScriptedRedis = Redis & { cbRateLimit(key: string, rate: number, now: number): Promise<number> };

/**
 * Rate limits of endpoints, across all replicas: each limited endpoint's bucket is one key in the
 * partition of its id (so limited endpoints spread over a Cluster), asked once per attempt. An
 * unlimited endpoint never calls it.
 */
@Injectable()
export class EndpointRateLimiter {
  private readonly redis: ScriptedRedis;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly partitions: Partitions,
  ) {
    redis.defineCommand('cbRateLimit', { numberOfKeys: 1, lua: RATE_LIMIT });
    this.redis = redis as ScriptedRedis;
  }

  /** 0 when a delivery to endpoint `id` may go now, else how long to wait (ms). */
  waitMs(id: string, ratePerSecond: number, now = Date.now()): Promise<number> {
    return this.redis.cbRateLimit(partitionKey(this.partitions.of(id), 'endpoint-rate', id), ratePerSecond, now);
  }
}
