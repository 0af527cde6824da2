import { Controller, Get, Res } from '@nestjs/common';
import { Readiness } from './readiness';
import { RedisProbe } from './redis-probe';

/** The part of the response this controller uses: Fastify's reply has it, as Express's had. */
interface StatusSetter {
  status(code: number): unknown;
}

/**
 * Health on both apps, without the API key (docs/operations.md, "Health"):
 * - `GET /health/live`: the process answers. Never asks Redis, so a Redis outage or a busy
 *   Redis does not get a pod restarted (Kubernetes' liveness probe).
 * - `GET /health/ready`: Redis reachable and writable, workers started, not draining
 *   (Kubernetes' readiness probe, the image's HEALTHCHECK).
 * - `GET /health`: Redis only, as before, for existing users.
 * Redis is asked at most once a second per process whatever the callers do (`RedisProbe`).
 * The api's OpenAPI document describes the answers (apps/api/src/openapi/health-responses.ts).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly redisProbe: RedisProbe,
    private readonly readiness: Readiness,
  ) {}

  @Get()
  async health(@Res({ passthrough: true }) res: StatusSetter) {
    return answer(res, await this.redisProbe.problem());
  }

  @Get('live')
  live() {
    return { status: 'UP' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) res: StatusSetter) {
    return answer(res, this.readiness.problem() ?? (await this.redisProbe.problem()));
  }
}

function answer(res: StatusSetter, problem: string | null) {
  if (!problem) return { status: 'UP' };
  // Set here, not thrown: the same body on both apps, whatever their error filters do.
  res.status(503);
  return { status: 'DOWN', reason: problem };
}
