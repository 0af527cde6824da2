import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { DeliveryQueues, EndpointRegistry } from '@app/delivery';
import {
  AppMetrics,
  eventStreamKey,
  OncePerInterval,
  Partitions,
  PROMETHEUS_CONTENT_TYPE,
  SCRAPE_READ_EVERY_MS,
  QUEUE,
  recordQueueDepths,
  recordStreamDepths,
  REDIS,
} from '@app/platform';

/**
 * `GET /metrics` (Prometheus; no API key, nothing secret): events accepted, stream and queue
 * depths, Node. The depths are read from Redis at most once per SCRAPE_READ_EVERY_MS, whoever
 * scrapes and however often (docs/operations.md, "What the open endpoints cost").
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  private readonly depths: OncePerInterval<void>;

  constructor(
    private readonly metrics: AppMetrics,
    private readonly registry: EndpointRegistry,
    @Inject(REDIS) redis: Redis,
    partitions: Partitions,
    deliveries: DeliveryQueues,
    @InjectQueue(QUEUE.simulation) simulation: Queue,
  ) {
    const queues = [...deliveries.all, simulation];
    const streams = partitions.all.map(eventStreamKey);
    const names = partitions.all.map((p) => p.name);
    this.depths = new OncePerInterval(SCRAPE_READ_EVERY_MS, async () => {
      await Promise.all([recordQueueDepths(metrics, queues), recordStreamDepths(metrics, redis, streams, names)]);
    });
  }

  @Get()
  @Header('content-type', PROMETHEUS_CONTENT_TYPE)
  async scrape(): Promise<string> {
    await this.depths.get();
    for (const { source, state, count } of this.registry.countsByState()) this.metrics.endpoints.set({ source, state }, count);
    return this.metrics.registry.metrics();
  }
}
