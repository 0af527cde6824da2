import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Job, Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { EventJobData } from '@app/events';
import { APP_CONFIG, AppConfig, AppMetrics, createWorker, QUEUE, REDIS } from '@app/platform';
import { DeliveryJobData, deliveryJobId, DeliveryLog, EventBodyStore } from '@app/delivery';
import { parkAfterStoreFailure } from '../store-failure';
import { EndpointMatcher } from './endpoint-matcher.service';

/**
 * Turns each event into one delivery job per matching endpoint. Deliveries are independent
 * jobs, so a slow or failing endpoint never holds back the others of the same event. The
 * event's body is stored once (`EventBodyStore`), not in every delivery job: an event to many
 * endpoints costs Redis, and the dispatcher's memory, one body.
 */
@Injectable()
export class FanOutWorker implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('FanOut');
  private worker?: Worker<EventJobData>;

  constructor(
    private readonly matcher: EndpointMatcher,
    private readonly log: DeliveryLog,
    private readonly bodies: EventBodyStore,
    @InjectQueue(QUEUE.deliveries) private readonly deliveries: Queue<DeliveryJobData>,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: AppMetrics,
  ) {}

  onModuleInit(): void {
    this.worker = createWorker(this.config, QUEUE.events, (job, token) => this.fanOut(job, token), {
      concurrency: 16,
      lockDuration: this.config.dispatch.lockDurationMs,
      stalledInterval: this.config.dispatch.lockDurationMs,
      // A stall means a replica died holding the job, or Redis refused the writes that finish
      // or park it; either is our side, and a fan-out may run again harmlessly (its job ids
      // are fixed), so no number of stalls fails an event.
      maxStalledCount: Number.MAX_SAFE_INTEGER,
    });
    // Without a listener, a worker's errors (its connection dropping, say) escape the log.
    this.worker.on('error', (err) => this.logger.warn(`Worker error: ${err.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  async fanOut(job: Job<EventJobData>, token?: string): Promise<{ deliveries: number }> {
    const event = job.data;
    const eventId = event.envelope.id;
    // Serialised once, here, so every attempt to every endpoint sends (and signs) the same bytes.
    const body = JSON.stringify(event.envelope);
    const deliveries = this.matcher.endpointsFor(event).map((endpoint) => ({
      id: deliveryJobId(eventId, endpoint.uri),
      data: { eventId, eventType: event.envelope.type, entity: event.entity, sequence: event.sequence, endpoint },
    }));
    if (deliveries.length === 0) return { deliveries: 0 };
    try {
      // A run after the first (a stall, a park) must not hold the body for jobs that already
      // exist: one that completed released it and would never release it again.
      const toHold = job.attemptsStarted > 1 ? await this.notQueuedYet(deliveries.map((d) => d.id)) : deliveries.map((d) => d.id);
      // Both before the jobs exist, so a fast first attempt finds its record and its body; sent
      // together, so they cost one round trip.
      await Promise.all([this.log.recordQueued(deliveries), this.bodies.hold(eventId, body, toHold)]);
      await this.deliveries.addBulk(deliveries.map(({ id, data }) => ({ name: event.envelope.type, data, opts: { jobId: id } })));
    } catch (err) {
      // Only Redis fails in here: the event is tried again, without using an attempt.
      return parkAfterStoreFailure(job, token, err, { dispatch: this.config.dispatch, metrics: this.metrics, logger: this.logger });
    }
    return { deliveries: deliveries.length };
  }

  /** The ids, among `ids`, that have no delivery job yet. */
  private async notQueuedYet(ids: string[]): Promise<string[]> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.exists(this.deliveries.toKey(id));
    const results = (await pipeline.exec()) ?? [];
    return ids.filter((_, i) => {
      const [err, exists] = results[i];
      if (err) throw err;
      return exists === 0;
    });
  }
}
