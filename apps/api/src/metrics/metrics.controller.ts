import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { DeliveryQueues } from '@app/delivery';
import {
  AppMetrics,
  eventStreamKey,
  Partitions,
  PROMETHEUS_CONTENT_TYPE,
  QUEUE,
  recordQueueDepths,
  recordStreamDepths,
  REDIS,
} from '@app/platform';

/** `GET /metrics` (Prometheus; no API key, nothing secret): events accepted, stream and queue depths, Node. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  private readonly queues: Queue[];

  constructor(
    private readonly metrics: AppMetrics,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly partitions: Partitions,
    deliveries: DeliveryQueues,
    @InjectQueue(QUEUE.simulation) simulation: Queue,
  ) {
    this.queues = [...deliveries.all, simulation];
  }

  @Get()
  @Header('content-type', PROMETHEUS_CONTENT_TYPE)
  async scrape(): Promise<string> {
    await Promise.all([
      recordQueueDepths(this.metrics, this.queues),
      recordStreamDepths(this.metrics, this.redis, this.partitions.all.map(eventStreamKey)),
    ]);
    return this.metrics.registry.metrics();
  }
}
