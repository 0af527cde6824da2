import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig, createWorker, QUEUE } from '@app/platform';
import { AttemptOutcome, CallbackSender } from './callback-sender.service';
import { DeliveryJobData } from './delivery-job';
import { retryDelayMs, RetryableDeliveryError } from './retry-policy';

/**
 * Delivers one event to one endpoint per job, `DISPATCH_CONCURRENCY` at a time. A failed
 * attempt is retried by BullMQ with our backoff; a final failure (410, refused destination,
 * missing secret) or the last attempt leaves the job in the failed set, visible and retryable.
 */
@Injectable()
export class DeliveryWorker implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Delivery');
  private worker?: Worker<DeliveryJobData, AttemptOutcome>;

  constructor(
    private readonly sender: CallbackSender,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.worker = createWorker(this.config, QUEUE.deliveries, (job) => this.deliver(job), {
      concurrency: this.config.dispatch.concurrency,
      lockDuration: this.config.dispatch.lockDurationMs,
      stalledInterval: this.config.dispatch.lockDurationMs,
      settings: { backoffStrategy: (attemptsMade, _type, err) => retryDelayMs(attemptsMade, this.config.dispatch, err) },
    });
    this.worker.on('error', (err) => this.logger.warn(`Worker error: ${err.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  async deliver(job: Job<DeliveryJobData>): Promise<AttemptOutcome> {
    const outcome = await this.sender.send(job.data);
    if (outcome.ok) return outcome;
    const message = `${outcome.error} (attempt ${job.attemptsMade + 1} to ${job.data.endpoint.uri})`;
    if (outcome.final) throw new UnrecoverableError(message);
    throw new RetryableDeliveryError(message, outcome.retryAfterMs);
  }
}
