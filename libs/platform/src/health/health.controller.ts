import { Controller, Get, Inject, Res } from '@nestjs/common';
import { Response } from 'express';
import Redis from 'ioredis';
import { REDIS } from '../redis/redis.module';

const PING_DEADLINE_MS = 1000;

/**
 * `GET /health`: 200 while Redis answers, 503 otherwise (both apps; no API key). It answers at
 * once when the connection is known to be down, and otherwise gives a PING one second: ioredis would otherwise queue
 * the PING until Redis is back, and a health check that hangs is no health check.
 */
@Controller('health')
export class HealthController {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  @Get()
  async health(@Res({ passthrough: true }) res: Response) {
    const down = ['reconnecting', 'close', 'end'].includes(this.redis.status);
    if (down || !(await this.pingWithin(PING_DEADLINE_MS))) {
      // Set here, not thrown: the same body on both apps, whatever their error filters do.
      res.status(503);
      return { status: 'DOWN', reason: 'Redis is not reachable' };
    }
    return { status: 'UP' };
  }

  private pingWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const ping = this.redis.ping().then(
      () => true,
      () => false,
    );
    return Promise.race([ping, deadline]).finally(() => clearTimeout(timer));
  }
}
