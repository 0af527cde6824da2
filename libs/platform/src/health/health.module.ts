import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { Readiness } from './readiness';
import { RedisProbe } from './redis-probe';

/** `/health`, `/health/live`, `/health/ready` for an app that imports `RedisModule`. */
@Module({
  controllers: [HealthController],
  providers: [RedisProbe, Readiness],
  exports: [RedisProbe, Readiness],
})
export class HealthModule {}
