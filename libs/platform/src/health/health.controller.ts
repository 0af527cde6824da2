import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '../redis/redis.module';

/** `GET /health`: 200 while Redis answers, 503 otherwise (both apps; no API key). */
@Controller('health')
export class HealthController {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  @Get()
  async health() {
    try {
      await this.redis.ping();
      return { status: 'UP' };
    } catch {
      throw new ServiceUnavailableException({ status: 'DOWN', reason: 'Redis is not reachable' });
    }
  }
}
