import { Inject, Injectable, Logger, BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import Redis from 'ioredis';
import {
  attemptLine,
  AttemptOutcome,
  attemptRecord,
  deliveryDataProblems,
  maskUri,
  DeliveryJobData,
  DeliveryLanes,
  DeliveryLog,
  EventBodyStore,
  LANE_HELD_RECHECK_MS,
  LANE_RECHECK_MS,
  RetryPolicy,
  Turn,
} from '@app/delivery';
import { APP_CONFIG, AppConfig, AppMetrics, BULL_CONNECTION, createWorker, deliveriesQueueName, Partitions } from '@app/platform';
import { AttemptResult, AttemptRunner } from './attempt-runner';
import { parkAfterStoreFailure, ParkingContext, writeWithin } from './store-failure';

/** A failed attempt that is retried after `retryInMs`, as the retry policy said (BullMQ's backoff reads it). */
class RetryableDeliveryError extends Error {
  readonly name = 'RetryableDeliveryError';

  constructor(
    message: string,
    readonly retryInMs: number,
  ) {
    super(message);
  }
}

/** The outcome of an attempt whose event body is gone: nothing can be sent, now or later. */
const BODY_GONE: AttemptOutcome = { ok: false, final: true, latencyMs: 0, error: "The event's body is no longer stored; nothing was sent" };

/**
 * Retries: delivers one event to one endpoint per job, for
 * deliveries whose first attempt (made straight from the event stream) failed or had to wait. Each attempt
 * is recorded in the delivery log. A failed attempt is retried by BullMQ with our backoff; a
 * final failure (410, refused destination, missing secret) or the last attempt leaves the job
 * in the failed set, visible and retryable. An endpoint that is busy or whose circuit is open
 * gets its jobs parked (delayed) without using an attempt, and so does a job whose attempt
 * failed on our side (Redis refusing to read the body or to record the attempt).
 *
 * One BullMQ worker per partition's queue; `DISPATCH_CONCURRENCY` is shared among them (each
 * runs its share, at least one), so retries take about as many slots as first attempts can.
 */
@Injectable()
export class RetryWorker implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Delivery');
  private workers: Worker<DeliveryJobData, AttemptOutcome>[] = [];

  constructor(
    private readonly runner: AttemptRunner,
    private readonly log: DeliveryLog,
    private readonly bodies: EventBodyStore,
    private readonly lanes: DeliveryLanes,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(BULL_CONNECTION) private readonly connection: Redis,
    private readonly partitions: Partitions,
    private readonly metrics: AppMetrics,
    private readonly policy: RetryPolicy,
  ) {}

  onModuleInit(): void {
    const concurrency = Math.max(1, Math.ceil(this.config.dispatch.concurrency / this.partitions.count));
    this.workers = this.partitions.all.map((partition) => this.startWorker(partition.tag, deliveriesQueueName(partition), concurrency));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
  }

  private startWorker(prefix: string, queue: string, concurrency: number): Worker<DeliveryJobData, AttemptOutcome> {
    const context = { connection: this.connection, prefix, logger: this.logger, lockDurationMs: this.config.dispatch.lockDurationMs };
    return createWorker<DeliveryJobData, AttemptOutcome>(context, queue, (job, token) => this.deliver(job, token), {
      concurrency,
      settings: {
        // An error other than a failed attempt (a bug) still waits as the schedule says.
        backoffStrategy: (attemptsMade, _type, err, job) =>
          err instanceof RetryableDeliveryError
            ? err.retryInMs
            : this.policy.delayAfter(attemptsMade + ((job?.data as DeliveryJobData | undefined)?.attemptsBefore ?? 0)),
      },
    });
  }

  /**
   * One attempt of a job, in stages: refuse what can never be sent, wait for the lane's turn,
   * attempt, record, let the lane go on, then tell BullMQ (delivered, retry, or dead letter).
   * A stage that fails on our side parks the job without using an attempt.
   */
  async deliver(job: Job<DeliveryJobData>, token?: string): Promise<AttemptOutcome> {
    refuseIfNoDelivery(job.data);
    const parking: ParkingContext = { policy: this.policy, metrics: this.metrics, logger: this.logger };
    const park = (err: unknown) => parkAfterStoreFailure(job, token, err, parking);
    if (job.data.lane) await this.awaitTurn(job, token, parking);
    const attempt = job.attemptsMade + 1 + (job.data.attemptsBefore ?? 0);
    // Only our side fails here (Redis, say): it must not use up one of the delivery's attempts.
    const { result, body } = await this.attempt(job, attempt).catch(park);
    if (result.kind === 'parked') {
      await job.moveToDelayed(Date.now() + result.retryInMs, token);
      throw new DelayedError(result.reason);
    }
    // Still not recorded: the attempt is made again later, without counting, so the log never
    // misses an attempt that counts.
    await this.record(job, attempt, result, body).catch(park);
    // The lane must not stay behind an ended delivery: made again later, not counted (a
    // duplicate to the receiver, never a reordering).
    if (job.data.lane && result.status !== 'retrying')
      await this.lanes.ended(job.id!, job.data, result.status === 'delivered' ? 'delivered' : 'failed').catch(park);
    return this.answer(job, attempt, result);
  }

  /** Returns once it is its lane's turn; else the job sleeps (see `waitTurn`). */
  private async awaitTurn(job: Job<DeliveryJobData>, token: string | undefined, parking: ParkingContext): Promise<void> {
    let turn: Turn;
    try {
      // One no longer in its lane (a dead letter retried after its lane went on, skipped or
      // not, or a delivery a replica taking over its entry already ended) rejoins its end:
      // sent at once, it would go beside the lane's head, two of one lane in flight.
      turn = await this.lanes.turnOrRejoin(job.data.lane!.key, job.id!);
    } catch (err) {
      return parkAfterStoreFailure(job, token, err, parking);
    }
    if (turn === 'wait' || turn === 'held') await this.waitTurn(job, token, turn, parking);
  }

  private async attempt(job: Job<DeliveryJobData>, attempt: number): Promise<{ result: AttemptResult; body: string | null }> {
    // Read at each attempt, so only the attempts in flight hold a body in memory.
    const body = job.data.body ?? (await this.bodies.read(job.data.eventId));
    const result: AttemptResult =
      body === null
        ? { kind: 'attempted', at: Date.now(), outcome: BODY_GONE, status: 'failed' }
        : await this.runner.run(job.id!, job.data, body, attempt);
    return { result, body };
  }

  /**
   * The attempt was made: its record is tried again here for up to half the job's lock (a
   * dropped connection, a short OOM), since a parked job would make the attempt again.
   */
  private record(job: Job<DeliveryJobData>, attempt: number, result: AttemptMade, body: string | null): Promise<void> {
    const { outcome, status, at } = result;
    return writeWithin(this.config.dispatch.lockDurationMs / 2, () =>
      Promise.all([
        this.log.recordAttempt(job.id!, job.data, attemptRecord(attempt, at, outcome, status), status),
        // Delivered: the job lets go of the event's body; if that fails, the body only lives
        // on until the sweep finds the job completed. A dead letter keeps holding it, and holds
        // it again if it had let go (a completed job retried from Bull Board).
        status === 'delivered'
          ? this.bodies
              .release(job.data.eventId, job.id!)
              .catch((err: Error) => this.logger.warn(`Could not release the body of ${job.id}: ${err.message}`))
          : status === 'failed' && body !== null
            ? this.bodies.hold(job.data.eventId, body, [job.id!])
            : undefined,
      ]),
    );
  }

  /** What BullMQ is told: the outcome when delivered, else the error that retries or ends the job. */
  private async answer(job: Job<DeliveryJobData>, attempt: number, result: AttemptMade): Promise<AttemptOutcome> {
    const { outcome, status, at } = result;
    if (result.status === 'delivered') return outcome;
    // Only a failed attempt writes to the job's log (Bull Board's Logs tab): best effort.
    await job.log(attemptLine(attemptRecord(attempt, at, outcome, status))).catch((err: Error) => {
      this.logger.warn(`Could not write the job log of ${job.id}: ${err.message}`);
    });
    const message = `${outcome.error} (attempt ${attempt} to ${maskUri(job.data.endpoint.uri)})`;
    // The last attempt counts the ones made before the job existed, so BullMQ's own count
    // (which does not) never decides.
    if (result.status === 'failed') throw shown(new UnrecoverableError(message));
    throw shown(new RetryableDeliveryError(message, result.retryInMs));
  }

  /**
   * An ordered delivery that is not its lane's head sleeps in the delayed set, using no attempt,
   * until the one ahead ends and wakes it (or its re-check comes). Its turn is read again once
   * it sleeps: a wake-up sent while it was running found it not delayed.
   */
  private async waitTurn(job: Job<DeliveryJobData>, token: string | undefined, turn: Turn, parking: ParkingContext): Promise<never> {
    try {
      await job.moveToDelayed(Date.now() + (turn === 'held' ? LANE_HELD_RECHECK_MS : LANE_RECHECK_MS), token);
      if ((await this.lanes.turn(job.data.lane!.key, job.id!)) === 'head') await this.lanes.wake(job.id!);
    } catch (err) {
      return parkAfterStoreFailure(job, token, err, parking);
    }
    throw new DelayedError(`waiting its turn in its lane (${turn})`);
  }
}

/** An attempt made (not parked). */
type AttemptMade = Extract<AttemptResult, { kind: 'attempted' }>;

/**
 * A job whose data is no delivery (added by hand in Bull Board) can never be sent: it fails
 * once, for good, saying why, instead of failing on a missing field at every retry. A first
 * attempt that failed for good left a job that only stands for the dead letter.
 */
function refuseIfNoDelivery(data: DeliveryJobData): void {
  const problems = deliveryDataProblems(data);
  if (problems.length > 0) throw shown(new UnrecoverableError(`Not a delivery job, nothing sent: ${problems.join('; ')}`));
  if (data.deadLetter) throw shown(new UnrecoverableError(data.deadLetter));
}

/**
 * An error as Bull Board shows it: BullMQ stores `stack`, which would list the dispatcher's
 * internal paths; the message says all an operator needs.
 */
function shown<E extends Error>(err: E): E {
  err.stack = `${err.name}: ${err.message}`;
  return err;
}
