import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Header } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppMetrics, endpointLabels, PROMETHEUS_CONTENT_TYPE, QUEUE, recordQueueDepths } from '@app/platform';
import { DeliveryWorker } from '../delivery/delivery.worker';

/**
 * `GET /metrics` (Prometheus; no API key, nothing secret): delivery attempts by outcome and
 * their latency, queue depths, this replica's open circuits, Node's defaults.
 */
@Controller('metrics')
export class MetricsController {
  private readonly queues: Queue[];

  constructor(
    private readonly metrics: AppMetrics,
    private readonly worker: DeliveryWorker,
    @InjectQueue(QUEUE.events) events: Queue,
    @InjectQueue(QUEUE.deliveries) deliveries: Queue,
  ) {
    this.queues = [events, deliveries];
  }

  @Get()
  @Header('content-type', PROMETHEUS_CONTENT_TYPE)
  async scrape(): Promise<string> {
    await recordQueueDepths(this.metrics, this.queues);
    this.metrics.circuit.reset();
    for (const { endpoint, state } of this.worker.openCircuits()) this.metrics.circuit.set(endpointLabels(endpoint), state === 'open' ? 2 : 1);
    return this.metrics.registry.metrics();
  }
}
