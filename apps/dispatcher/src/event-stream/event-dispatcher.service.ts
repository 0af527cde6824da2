import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { EventJobData } from '@app/events';
import { AttemptEntry, AttemptOutcome, DeliveryEndpoint, DeliveryJobData, deliveryJobId, DeliveryLog, EventBodyStore } from '@app/delivery';
import { APP_CONFIG, AppConfig, eventStreamKey, QUEUE, REDIS, STREAM_GROUPS, StreamConsumer, StreamEntry, forgetIdleConsumers, trimAcknowledged } from '@app/platform';
import { AttemptRunner } from '../delivery/attempt-runner';
import { retryDelayMs, RetryableDeliveryError } from '../delivery/retry-policy';
import { EndpointMatcher } from './endpoint-matcher.service';
import { Settled, settledFirstAttempt, settledWithoutAttempt } from './settled';
import { WriteBatcher } from './write-batcher';

/** How often acknowledged entries are trimmed from the stream (and idle consumers forgotten). */
const TRIM_EVERY_MS = 5000;
/** How long a failed write of the hot path waits before it is tried again. */
const SETTLE_RETRY_MS = 1000;

/**
 * The hot path: takes each committed event straight from the event stream and makes the first
 * attempt to every endpoint it matches at once, with no job in between. Only a delivery that
 * needs more (its first attempt failed, or its endpoint said wait) becomes a job of the
 * deliveries queue, which runs its retries and keeps its dead letter. An entry is acknowledged
 * once every one of its deliveries is recorded in the delivery log or handed to that queue, so
 * a dispatcher killed at any instant leaves it pending, and another takes it over (a delivery
 * may then be made twice, with the same `webhook-id`; never lost).
 *
 * `DISPATCH_CONCURRENCY` deliveries are in flight at most, and as many being recorded; the
 * stream is read only as far as there is room, so memory stays bounded however long the stream is.
 */
@Injectable()
export class EventDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EventDispatcher');
  private readonly consumer: StreamConsumer<EventJobData>;
  private readonly streamKey: string;
  private readonly running = new Set<Promise<void>>();
  private inFlight = 0;
  /** Deliveries whose attempt ended and whose record is being written. */
  private recording = 0;
  private trimTimer?: NodeJS.Timeout;
  // First attempts that end together are recorded, and their entries acknowledged, together.
  private readonly firstAttempts = new WriteBatcher<AttemptEntry>((entries) => this.log.recordAttempts(entries));
  private readonly acks = new WriteBatcher<string>((ids) => this.consumer.ack(ids));

  constructor(
    private readonly matcher: EndpointMatcher,
    private readonly runner: AttemptRunner,
    private readonly log: DeliveryLog,
    private readonly bodies: EventBodyStore,
    @InjectQueue(QUEUE.deliveries) private readonly deliveries: Queue<DeliveryJobData>,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.streamKey = eventStreamKey(config);
    this.consumer = new StreamConsumer<EventJobData>(redis, {
      redisUrl: config.redisUrl,
      key: this.streamKey,
      group: STREAM_GROUPS.dispatch,
      room: () => config.dispatch.concurrency - Math.max(this.inFlight, this.recording),
      take: (entries) => entries.forEach((entry) => this.track(this.dispatch(entry))),
      claimIdleMs: config.dispatch.lockDurationMs,
      logger: this.logger,
    });
  }

  onApplicationBootstrap(): void {
    this.consumer.start();
    this.trimTimer = setInterval(() => void this.tidy().catch((err) => this.logger.warn(`Event stream trim: ${err.message}`)), TRIM_EVERY_MS);
  }

  /** Stops reading, finishes the deliveries in flight and records them. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.trimTimer);
    await this.consumer.stop();
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  // Drops what every group acknowledged, and consumers of stopped replicas.
  private async tidy(): Promise<void> {
    await trimAcknowledged(this.redis, this.streamKey, [STREAM_GROUPS.dispatch]);
    await forgetIdleConsumers(this.redis, this.streamKey, STREAM_GROUPS.dispatch);
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  // Each delivery of the entry holds one in-flight slot while its first try is under way, so a
  // slow endpoint holds only its own slots; the entry is acknowledged once all are recorded.
  // The slot is freed when the try ends, not once it is recorded: waiting for the record kept
  // 500 slots to 200 ms receivers at 70 % of 500 / 0.2 s, freeing it at the end 89 %
  // (docs/performance.md, scenario d). Records being written count against the room too
  // (`recording`), so at most twice the limit is held in memory while Redis is slow.
  private async dispatch(entry: StreamEntry<EventJobData>): Promise<void> {
    const event = entry.data;
    const endpoints = this.matcher.endpointsFor(event);
    // Serialised once, here, so every attempt to every endpoint sends (and signs) the same bytes.
    const body = JSON.stringify(event.envelope);
    this.inFlight += endpoints.length;
    const recorded = await Promise.all(
      endpoints.map(async (endpoint) => {
        let settled: Settled;
        try {
          settled = await this.firstAttempt(event, body, endpoint);
        } finally {
          this.inFlight--;
          this.recording++;
          this.consumer.wake();
        }
        try {
          return await this.settle(body, settled);
        } finally {
          this.recording--;
          this.consumer.wake();
        }
      }),
    );
    if (recorded.every(Boolean)) await this.acknowledge(entry.id);
    else this.consumer.release([entry.id]);
  }

  private async firstAttempt(event: EventJobData, body: string, endpoint: DeliveryEndpoint): Promise<Settled> {
    const id = deliveryJobId(event.envelope.id, endpoint.uri);
    const delivery: DeliveryJobData = { eventId: event.envelope.id, eventType: event.envelope.type, entity: event.entity, sequence: event.sequence, endpoint };
    try {
      const result = await this.runner.run(id, delivery, body, 1);
      if (result.kind === 'parked') return settledWithoutAttempt(id, delivery, result.retryInMs);
      return settledFirstAttempt(id, delivery, result, () => this.retryDelayAfter(result.outcome));
    } catch (err) {
      // Our side failed (reading the secret): the delivery waits in the queue, no attempt used.
      this.logger.warn({ msg: 'store failure on a first attempt, delivery queued', deliveryId: id, error: (err as Error).message });
      return settledWithoutAttempt(id, delivery, this.config.dispatch.backoffMs);
    }
  }

  // The delay before the second attempt, as the deliveries queue's backoff would set it.
  private retryDelayAfter({ retryAfterMs, status }: AttemptOutcome): number {
    return retryDelayMs(1, this.config.dispatch, new RetryableDeliveryError('', retryAfterMs, status === 429 || status === 503));
  }

  /**
   * Records a delivery's first try and hands it to the deliveries queue if it needs more
   * (holding the event's body for it). Tried again while Redis refuses; false only when the
   * dispatcher is stopping, which leaves the entry pending for another consumer.
   */
  private async settle(body: string, settled: Settled): Promise<boolean> {
    return this.untilStored('record a delivery', async () => {
      const { id, delivery, attempt, job } = settled;
      await Promise.all([
        // A first attempt creates its record with plain commands, reading nothing (8 for a
        // delivered one). An entry claimed again after a crash may rewrite it: the same delivery.
        attempt ? this.firstAttempts.add({ id, data: delivery, attempt, status: attempt.outcome, first: true }) : this.log.recordQueued([{ id, data: delivery }]),
        job ? this.bodies.hold(delivery.eventId, body, [id]) : undefined,
      ]);
      if (job) await this.deliveries.add(delivery.eventType, job.data, { jobId: id, ...job.opts });
    });
  }

  private async acknowledge(entryId: string): Promise<void> {
    const done = await this.untilStored('acknowledge an event', () => this.acks.add(entryId));
    if (!done) this.consumer.release([entryId]);
  }

  private async untilStored(what: string, write: () => Promise<void>): Promise<boolean> {
    for (;;) {
      try {
        await write();
        return true;
      } catch (err) {
        this.logger.warn({ msg: `could not ${what}, trying again`, error: (err as Error).message });
        if (!this.consumer.reading) return false;
        await new Promise((resolve) => setTimeout(resolve, SETTLE_RETRY_MS));
      }
    }
  }
}
