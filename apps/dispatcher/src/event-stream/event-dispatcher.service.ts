import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { EventJobData } from '@app/events';
import { AttemptEntry, AttemptOutcome, DeliveryEndpoint, DeliveryJobData, deliveryJobId, DeliveryLog, DeliveryQueues, EventBodyStore } from '@app/delivery';
import { APP_CONFIG, AppConfig, eventStreamKey, Partitions, REDIS, STREAM_GROUPS, StreamConsumer, StreamEntry, forgetIdleConsumers, trimAcknowledged } from '@app/platform';
import { AttemptRunner } from '../delivery/attempt-runner';
import { retryDelayMs, RetryableDeliveryError } from '../delivery/retry-policy';
import { EndpointMatcher } from './endpoint-matcher.service';
import { Settled, settledFirstAttempt, settledWithoutAttempt } from './settled';
import { WriteBatcher } from './write-batcher';

/** How often acknowledged entries are trimmed from the streams (and idle consumers forgotten). */
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
 * It reads every partition's stream, one consumer each. `DISPATCH_CONCURRENCY` deliveries are
 * in flight at most, over all partitions, and as many being recorded. The streams are read only
 * as far as there is room; entries that several consumers read at once beyond it wait here for
 * a free slot (at most `MAX_READ` per partition), so memory stays bounded however long the
 * streams are.
 */
@Injectable()
export class EventDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EventDispatcher');
  private readonly streams: PartitionStream[];
  private readonly running = new Set<Promise<void>>();
  /** Entries taken beyond the room there was, oldest first, with the stream they came from. */
  private readonly waiting: { stream: PartitionStream; entry: StreamEntry<EventJobData> }[] = [];
  private inFlight = 0;
  private stopping = false;
  /** Deliveries whose attempt ended and whose record is being written. */
  private recording = 0;
  private trimTimer?: NodeJS.Timeout;
  // First attempts that end together are recorded together.
  private readonly firstAttempts = new WriteBatcher<AttemptEntry>((entries) => this.log.recordAttempts(entries));

  constructor(
    private readonly matcher: EndpointMatcher,
    private readonly runner: AttemptRunner,
    private readonly log: DeliveryLog,
    private readonly bodies: EventBodyStore,
    private readonly deliveries: DeliveryQueues,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    partitions: Partitions,
  ) {
    this.streams = partitions.all.map((partition) => {
      const key = eventStreamKey(partition);
      const consumer: StreamConsumer<EventJobData> = new StreamConsumer<EventJobData>(redis, {
        redisUrl: config.redisUrl,
        key,
        group: STREAM_GROUPS.dispatch,
        room: () => config.dispatch.concurrency - this.busy() - this.waiting.length,
        take: (entries) => this.take(stream, entries),
        claimIdleMs: config.dispatch.lockDurationMs,
        logger: this.logger,
      });
      // Entries whose deliveries are all recorded are acknowledged together.
      const stream: PartitionStream = { key, consumer, acks: new WriteBatcher<string>((ids) => consumer.ack(ids)) };
      return stream;
    });
  }

  onApplicationBootstrap(): void {
    for (const { consumer } of this.streams) consumer.start();
    this.trimTimer = setInterval(() => void this.tidy().catch((err) => this.logger.warn(`Event stream trim: ${err.message}`)), TRIM_EVERY_MS);
  }

  /** Stops reading, finishes the deliveries in flight and records them. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.trimTimer);
    this.stopping = true;
    await Promise.all(this.streams.map(({ consumer }) => consumer.stop()));
    // What waits for a slot was never started: it stays pending for another replica.
    for (const { stream, entry } of this.waiting.splice(0)) stream.consumer.release([entry.id]);
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  // Drops what every group acknowledged, and consumers of stopped replicas.
  private async tidy(): Promise<void> {
    for (const { key } of this.streams) {
      await trimAcknowledged(this.redis, key, [STREAM_GROUPS.dispatch]);
      await forgetIdleConsumers(this.redis, key, STREAM_GROUPS.dispatch);
    }
  }

  private take(stream: PartitionStream, entries: StreamEntry<EventJobData>[]): void {
    for (const entry of entries) this.waiting.push({ stream, entry });
    this.startWaiting();
  }

  /** Slots taken: deliveries under way, or being recorded, whichever are more. */
  private busy(): number {
    return Math.max(this.inFlight, this.recording);
  }

  // A slot came free: start what waits for one, and let the readers read again.
  private slotFreed(): void {
    this.startWaiting();
    for (const { consumer } of this.streams) consumer.wake();
  }

  // Starts waiting entries while there are free slots.
  private startWaiting(): void {
    while (this.waiting.length > 0 && this.busy() < this.config.dispatch.concurrency) {
      const { stream, entry } = this.waiting.shift()!;
      this.track(this.dispatch(stream, entry));
    }
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
  private async dispatch(stream: PartitionStream, entry: StreamEntry<EventJobData>): Promise<void> {
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
          this.slotFreed();
        }
        try {
          return await this.settle(body, settled);
        } finally {
          this.recording--;
          this.slotFreed();
        }
      }),
    );
    if (recorded.every(Boolean)) await this.acknowledge(stream, entry.id);
    else stream.consumer.release([entry.id]);
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

  private async acknowledge(stream: PartitionStream, entryId: string): Promise<void> {
    const done = await this.untilStored('acknowledge an event', () => stream.acks.add(entryId));
    if (!done) stream.consumer.release([entryId]);
  }

  private async untilStored(what: string, write: () => Promise<void>): Promise<boolean> {
    for (;;) {
      try {
        await write();
        return true;
      } catch (err) {
        this.logger.warn({ msg: `could not ${what}, trying again`, error: (err as Error).message });
        if (this.stopping) return false;
        await new Promise((resolve) => setTimeout(resolve, SETTLE_RETRY_MS));
      }
    }
  }
}

/** One partition's event stream as this dispatcher reads it. */
interface PartitionStream {
  key: string;
  consumer: StreamConsumer<EventJobData>;
  acks: WriteBatcher<string>;
}
