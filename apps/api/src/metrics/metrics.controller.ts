import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Queue } from 'bullmq';
import { AppMetrics, PROMETHEUS_CONTENT_TYPE, QUEUE, recordQueueDepths } from '@app/platform';

/** `GET /metrics` (Prometheus; no API key, nothing secret): events accepted, queue depths, Node. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  private readonly queues: Queue[];

  constructor(
    private readonly metrics: AppMetrics,
    @InjectQueue(QUEUE.events) events: Queue,
    @InjectQueue(QUEUE.deliveries) deliveries: Queue,
    @InjectQueue(QUEUE.simulation) simulation: Queue,
  ) {
    this.queues = [events, deliveries, simulation];
  }

  @Get()
  @Header('content-type', PROMETHEUS_CONTENT_TYPE)
  async scrape(): Promise<string> {
    await recordQueueDepths(this.metrics, this.queues);
    return this.metrics.registry.metrics();
  }
}
