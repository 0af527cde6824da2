import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import { AttemptOutcome, CallbackSender, DeliveryJobData, DeliveryLog, DeliveryStatus, EventBodyStore } from '@app/delivery';
import { APP_CONFIG, AppConfig, AppMetrics, createWorker, MAX_STALLS, QUEUE } from '@app/platform';
import { EndpointGuard, healthOf } from './endpoint-guard';
import { retryDelayMs, RetryableDeliveryError } from './retry-policy';
import { parkAfterStoreFailure, ParkingContext } from '../store-failure';

/** The outcome of an attempt whose event body is gone: nothing can be sent, now or later. */
const BODY_GONE: AttemptOutcome = { ok: false, final: true, latencyMs: 0, error: "The event's body is no longer stored; nothing was sent" };

/**
 * Delivers one event to one endpoint per job, `DISPATCH_CONCURRENCY` at a time. Each attempt
 * is recorded in the delivery log. A failed attempt is retried by BullMQ with our backoff; a
 * final failure (410, refused destination, missing secret) or the last attempt leaves the job
 * in the failed set, visible and retryable. An endpoint that is busy or whose circuit is open
 * gets its jobs parked (delayed) without using an attempt, and so does a job whose attempt
 * failed on our side (Redis refusing to read the body or to record the attempt).
 */
@Injectable()
export class DeliveryWorker implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Delivery');
  private readonly guard: EndpointGuard;
  private worker?: Worker<DeliveryJobData, AttemptOutcome>;

  constructor(
    private readonly sender: CallbackSender,
    private readonly log: DeliveryLog,
    private readonly bodies: EventBodyStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: AppMetrics,
  ) {
    this.guard = new EndpointGuard(config.dispatch);
  }

  onModuleInit(): void {
    this.worker = createWorker(this.config, QUEUE.deliveries, (job, token) => this.deliver(job, token), {
      concurrency: this.config.dispatch.concurrency,
      lockDuration: this.config.dispatch.lockDurationMs,
      stalledInterval: this.config.dispatch.lockDurationMs,
      // A stall means a replica died holding the job; BullMQ's default (1) fails a job the
      // second time that happens, which the fault harness showed under repeated kills.
      maxStalledCount: MAX_STALLS,
      settings: { backoffStrategy: (attemptsMade, _type, err) => retryDelayMs(attemptsMade, this.config.dispatch, err) },
    });
    this.worker.on('error', (err) => this.logger.warn(`Worker error: ${err.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  /** The endpoints whose circuit is open or half-open in this replica. */
  openCircuits() {
    return this.guard.openCircuits();
  }

  async deliver(job: Job<DeliveryJobData>, token?: string): Promise<AttemptOutcome> {
    const admission = await this.guard.admit(job.data.endpoint.uri);
    if (!admission.admitted) {
      await job.moveToDelayed(Date.now() + admission.retryInMs, token);
      throw new DelayedError(admission.reason);
    }
    const parking: ParkingContext = { dispatch: this.config.dispatch, metrics: this.metrics, logger: this.logger };
    const at = Date.now();
    let body: string | null;
    let outcome: AttemptOutcome;
    try {
      // Read at each attempt, so only the attempts in flight hold a body in memory.
      body = job.data.body ?? (await this.bodies.read(job.data.eventId));
      outcome = body === null ? BODY_GONE : await this.sender.send(job.data, body);
    } catch (err) {
      // Only our side fails here (Redis, say): it says nothing about the endpoint, and must
      // not use up one of the delivery's attempts.
      admission.release('neutral');
      return parkAfterStoreFailure(job, token, err, parking);
    }
    admission.release(healthOf(outcome));

    const attempt = job.attemptsMade + 1;
    const last = attempt >= (job.opts.attempts ?? 1);
    const status: DeliveryStatus = outcome.ok ? 'delivered' : outcome.final || last ? 'failed' : 'retrying';
    // One line per attempt: ids, host (not the URI: its path or query may hold a token), outcome.
    const line = {
      msg: 'delivery attempt',
      eventId: job.data.eventId,
      deliveryId: job.id,
      eventType: job.data.eventType,
      endpointHost: hostOf(job.data.endpoint.uri),
      attempt,
      outcome: status,
      status: outcome.status,
      latencyMs: outcome.latencyMs,
      ...(outcome.error ? { error: outcome.error } : {}),
    };
    if (outcome.ok) this.logger.log(line);
    else this.logger.warn(line);
    this.metrics.deliveries.inc({ outcome: status });
    this.metrics.attemptSeconds.observe({ outcome: status }, outcome.latencyMs / 1000);
    try {
      await Promise.all([
        this.log.recordAttempt(job.id!, job.data, { attempt, at, status: outcome.status, latencyMs: outcome.latencyMs, error: outcome.error, response: outcome.response, outcome: status }, status),
        // Delivered: the job lets go of the event's body; if that fails, the body only lives
        // on until the sweep finds the job completed. A dead letter keeps holding it, and holds
        // it again if it had let go (a completed job retried from Bull Board).
        outcome.ok
          ? this.bodies.release(job.data.eventId, job.id!).catch((err: Error) => this.logger.warn(`Could not release the body of ${job.id}: ${err.message}`))
          : status === 'failed' && body !== null
            ? this.bodies.hold(job.data.eventId, body, [job.id!])
            : undefined,
      ]);
    } catch (err) {
      // The attempt was made but could not be recorded: it is made again later, without
      // counting, so the log never misses an attempt that counts.
      return parkAfterStoreFailure(job, token, err, parking);
    }

    if (outcome.ok) return outcome;
    const message = `${outcome.error} (attempt ${attempt} to ${job.data.endpoint.uri})`;
    if (outcome.final) throw new UnrecoverableError(message);
    throw new RetryableDeliveryError(message, outcome.retryAfterMs, outcome.status === 429 || outcome.status === 503);
  }
}

function hostOf(uri: string): string {
  try {
    return new URL(uri).host;
  } catch {
    return 'invalid';
  }
}
