import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Job, Queue, Worker } from 'bullmq';
import { EventJobData } from '@app/events';
import { APP_CONFIG, AppConfig, createWorker, MAX_STALLS, QUEUE } from '@app/platform';
import { DeliveryJobData, deliveryJobId, DeliveryLog } from '@app/delivery';
import { EndpointMatcher } from './endpoint-matcher.service';

/**
 * Turns each event into one delivery job per matching endpoint. Deliveries are independent
 * jobs, so a slow or failing endpoint never holds back the others of the same event.
 */
@Injectable()
export class FanOutWorker implements OnModuleInit, OnApplicationShutdown {
  private worker?: Worker<EventJobData>;

  constructor(
    private readonly matcher: EndpointMatcher,
    private readonly log: DeliveryLog,
    @InjectQueue(QUEUE.deliveries) private readonly deliveries: Queue<DeliveryJobData>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.worker = createWorker(this.config, QUEUE.events, (job) => this.fanOut(job), {
      concurrency: 16,
      lockDuration: this.config.dispatch.lockDurationMs,
      stalledInterval: this.config.dispatch.lockDurationMs,
      // A stall means a replica died holding the job; BullMQ's default (1) fails a job the
      // second time that happens, which the fault harness showed under repeated kills.
      maxStalledCount: MAX_STALLS,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  async fanOut(job: Job<EventJobData>): Promise<{ deliveries: number }> {
    const event = job.data;
    const body = JSON.stringify(event.envelope);
    const deliveries = this.matcher.endpointsFor(event).map((endpoint) => ({
      id: deliveryJobId(event.envelope.id, endpoint.uri),
      data: { eventId: event.envelope.id, eventType: event.envelope.type, entity: event.entity, sequence: event.sequence, body, endpoint },
    }));
    // Logged before queued, so a fast first attempt never finds its record missing.
    await this.log.recordQueued(deliveries);
    await this.deliveries.addBulk(deliveries.map(({ id, data }) => ({ name: event.envelope.type, data, opts: { jobId: id } })));
    return { deliveries: deliveries.length };
  }
}
