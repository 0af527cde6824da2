import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse } from '@nestjs/swagger';
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
 */
const UP = { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['UP'] } } };
const DOWN = {
  type: 'object',
  required: ['status', 'reason'],
  properties: { status: { type: 'string', enum: ['DOWN'] }, reason: { type: 'string', description: 'What is not ready.' } },
};

@Controller('health')
export class HealthController {
  constructor(
    private readonly redisProbe: RedisProbe,
    private readonly readiness: Readiness,
  ) {}

  @Get()
  @ApiOkResponse({ description: 'Redis answers.', schema: UP })
  @ApiServiceUnavailableResponse({ description: 'Redis does not answer.', schema: DOWN })
  async health(@Res({ passthrough: true }) res: StatusSetter) {
    return answer(res, await this.redisProbe.problem());
  }

  @Get('live')
  @ApiOkResponse({ description: 'The process answers.', schema: UP })
  live() {
    return { status: 'UP' };
  }

  @Get('ready')
  @ApiOkResponse({ description: 'Ready for work.', schema: UP })
  @ApiServiceUnavailableResponse({ description: 'Redis unreachable or not writable, workers not started, or draining.', schema: DOWN })
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
