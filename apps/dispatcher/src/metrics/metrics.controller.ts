import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, AppMetrics, endpointLabels, eventStreamKey, PROMETHEUS_CONTENT_TYPE, QUEUE, recordQueueDepths, recordStreamDepths, REDIS } from '@app/platform';
import { AttemptRunner } from '../delivery/attempt-runner';

/**
 * `GET /metrics` (Prometheus; no API key, nothing secret): delivery attempts by outcome and
 * their latency, stream and queue depths, this replica's open circuits, Node's defaults.
 */
@Controller('metrics')
export class MetricsController {
  private readonly queues: Queue[];

  constructor(
    private readonly metrics: AppMetrics,
    private readonly runner: AttemptRunner,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QUEUE.deliveries) deliveries: Queue,
  ) {
    this.queues = [deliveries];
  }

  @Get()
  @Header('content-type', PROMETHEUS_CONTENT_TYPE)
  async scrape(): Promise<string> {
    await Promise.all([recordQueueDepths(this.metrics, this.queues), recordStreamDepths(this.metrics, this.redis, eventStreamKey(this.config))]);
    this.metrics.circuit.reset();
    for (const { endpoint, state } of this.runner.openCircuits()) this.metrics.circuit.set(endpointLabels(endpoint), state === 'open' ? 2 : 1);
    return this.metrics.registry.metrics();
  }
}
