import { Controller, Get, Header, Inject } from '@nestjs/common';
import Redis from 'ioredis';
import { DeliveryLanes, DeliveryQueues } from '@app/delivery';
import {
  AppMetrics,
  endpointLabels,
  eventStreamKey,
  Partitions,
  PROMETHEUS_CONTENT_TYPE,
  recordQueueDepths,
  recordStreamDepths,
  REDIS,
} from '@app/platform';
import { AttemptRunner } from '../delivery/attempt-runner';

/**
 * `GET /metrics` (Prometheus; no API key, nothing secret): delivery attempts by outcome and
 * their latency, stream and queue depths, held ordered sequences, this replica's open circuits,
 * Node's defaults.
 */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: AppMetrics,
    private readonly runner: AttemptRunner,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly partitions: Partitions,
    private readonly deliveries: DeliveryQueues,
    private readonly lanes: DeliveryLanes,
  ) {}

  @Get()
  @Header('content-type', PROMETHEUS_CONTENT_TYPE)
  async scrape(): Promise<string> {
    await Promise.all([
      recordQueueDepths(this.metrics, [...this.deliveries.all]),
      recordStreamDepths(this.metrics, this.redis, this.partitions.all.map(eventStreamKey)),
      this.lanes.heldCount().then((held) => this.metrics.heldSequences.set(held)),
    ]);
    this.metrics.circuit.reset();
    for (const { endpoint, state } of this.runner.openCircuits())
      this.metrics.circuit.set(endpointLabels(endpoint), state === 'open' ? 2 : 1);
    return this.metrics.registry.metrics();
  }
}
