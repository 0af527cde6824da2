import { Controller, Get, Header, Inject } from '@nestjs/common';
import Redis from 'ioredis';
import { DeliveryLanes, DeliveryQueues, EndpointRegistry } from '@app/delivery';
import {
  AppMetrics,
  endpointLabels,
  eventStreamKey,
  OncePerInterval,
  Partitions,
  PROMETHEUS_CONTENT_TYPE,
  SCRAPE_READ_EVERY_MS,
  recordQueueDepths,
  recordStreamDepths,
  REDIS,
} from '@app/platform';
import { AttemptRunner } from '../attempts/attempt-runner';

/**
 * `GET /metrics` (Prometheus; no API key, nothing secret): delivery attempts by outcome and
 * their latency, stream and queue depths, held ordered sequences, this replica's open circuits,
 * Node's defaults. What it reads from Redis (depths, held sequences) is read at most once per
 * SCRAPE_READ_EVERY_MS, whoever scrapes and however often; the circuits are this process's own.
 */
@Controller('metrics')
export class MetricsController {
  private readonly fromRedis: OncePerInterval<void>;

  constructor(
    private readonly metrics: AppMetrics,
    private readonly registry: EndpointRegistry,
    private readonly runner: AttemptRunner,
    @Inject(REDIS) redis: Redis,
    partitions: Partitions,
    deliveries: DeliveryQueues,
    lanes: DeliveryLanes,
  ) {
    const streams = partitions.all.map(eventStreamKey);
    const names = partitions.all.map((p) => p.name);
    this.fromRedis = new OncePerInterval(SCRAPE_READ_EVERY_MS, async () => {
      await Promise.all([
        recordQueueDepths(metrics, [...deliveries.all]),
        recordStreamDepths(metrics, redis, streams, names),
        lanes.heldCount().then((held) => metrics.heldSequences.set(held)),
      ]);
    });
  }

  @Get()
  @Header('content-type', PROMETHEUS_CONTENT_TYPE)
  async scrape(): Promise<string> {
    await this.fromRedis.get();
    for (const { source, state, count } of this.registry.countsByState()) this.metrics.endpoints.set({ source, state }, count);
    this.metrics.circuit.reset();
    for (const { endpoint, state } of this.runner.openCircuits())
      this.metrics.circuit.set(endpointLabels(endpoint), state === 'open' ? 2 : 1);
    return this.metrics.registry.metrics();
  }
}
