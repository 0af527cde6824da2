import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { EventJobData, TraceContext } from '@app/events';
import {
  AttemptEntry,
  attemptLine,
  DeliveryEndpoint,
  DeliveryJobData,
  deliveryJobId,
  DeliveryLane,
  DeliveryLanes,
  DeliveryLog,
  DeliveryQueues,
  endpointIdOf,
  EventBodyStore,
  LANE_RECHECK_MS,
  laneKey,
  RetryPolicy,
  Turn,
  jobName,
} from '@app/delivery';
import {
  APP_CONFIG,
  AppConfig,
  eventStreamKey,
  Partitions,
  REDIS,
  STREAM_GROUPS,
  StreamConsumer,
  StreamEntry,
  forgetIdleConsumers,
  startSpan,
  trimAcknowledged,
} from '@app/platform';
import { AttemptRunner } from '../delivery/attempt-runner';
import { EndpointMatcher } from './endpoint-matcher.service';
import { LocalTurns } from './local-turns';
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
export class EventDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
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
  private readonly local = new LocalTurns();

  constructor(
    private readonly matcher: EndpointMatcher,
    private readonly runner: AttemptRunner,
    private readonly log: DeliveryLog,
    private readonly bodies: EventBodyStore,
    private readonly deliveries: DeliveryQueues,
    private readonly lanes: DeliveryLanes,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly partitions: Partitions,
    private readonly policy: RetryPolicy,
  ) {
    lanes.wakeLocally((id) => this.local.wake(id));
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
    this.trimTimer = setInterval(
      () => void this.tidy().catch((err) => this.logger.warn(`Event stream trim: ${err.message}`)),
      TRIM_EVERY_MS,
    );
  }

  /** Stops reading, finishes the deliveries in flight and records them. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.trimTimer);
    this.stopping = true;
    await Promise.all(this.streams.map(({ consumer }) => consumer.stop()));
    // What waits for a slot was never started: it stays pending for another replica.
    for (const { stream, entry } of this.waiting.splice(0)) stream.consumer.release([entry.id]);
    // Ordered deliveries waiting in memory wait as jobs instead, so their entries are done.
    this.local.releaseAll();
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

  // A slot came free: start what waits for one, and let the readers read again if room is left
  // (with entries still waiting there is none: they would only go back to waiting).
  private slotFreed(): void {
    this.startWaiting();
    if (this.waiting.length === 0) for (const { consumer } of this.streams) consumer.wake();
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
    // Tracing on: one span for the event's fan-out, the parent of its deliveries' attempts.
    const span = startSpan(
      'dispatch',
      event.trace,
      { 'messaging.message.id': event.envelope.id, 'delivery.event_type': event.envelope.type, 'delivery.endpoints': endpoints.length },
      'consumer',
    );
    const trace = span?.trace ?? event.trace;
    this.inFlight += endpoints.length;
    const recorded = await Promise.all(
      endpoints.map(async (endpoint) => {
        let trying = true;
        // Called once the try ends: its slot moves from in flight to being recorded.
        const tried = () => {
          if (!trying) return;
          trying = false;
          this.inFlight--;
          this.recording++;
          this.slotFreed();
        };
        try {
          return await this.deliver(event, body, endpoint, tried, trace);
        } finally {
          if (trying) this.inFlight--;
          else this.recording--;
          this.slotFreed();
        }
      }),
    );
    span?.end();
    if (recorded.every(Boolean)) await this.acknowledge(stream, entry.id);
    else stream.consumer.release([entry.id]);
  }

  /**
   * One delivery of the entry, settled (see `settle`). An ordered one is tried now only when it
   * is its lane's head. Behind one that this replica is sending, it waits here (`waitHere`);
   * behind another, or when that one does not end here, it waits as a job (`waitTurn`). Gone
   * from its lane, it has ended already (the entry was taken over after a crash).
   */
  private async deliver(
    event: EventJobData,
    body: string,
    endpoint: DeliveryEndpoint,
    tried: () => void,
    trace: TraceContext | undefined,
  ): Promise<boolean> {
    const id = deliveryJobId(event.envelope.id, endpoint.uri);
    const lane = this.laneOf(event, endpoint);
    const delivery: DeliveryJobData = {
      eventId: event.envelope.id,
      eventType: event.envelope.type,
      entity: event.entity,
      sequence: event.sequence,
      endpoint,
      ...(lane ? { lane } : {}),
      // Kept in its job, so retries, and dead letters sent again, stay in the event's trace.
      ...(trace ? { trace } : {}),
    };
    if (!lane) return this.settle(body, await this.firstAttempt(id, delivery, body, tried));
    let turn = 'head' as Turn;
    if (!(await this.untilStored('read a lane', async () => void (turn = await this.lanes.turn(lane.key, id))))) return false;
    let done: (() => void) | null = null;
    if (turn === 'wait' && !this.stopping && this.local.canWait(lane.key)) ({ turn, done } = await this.waitHere(id, lane));
    if (turn === 'gone') return true;
    if (turn !== 'head') return this.waitTurn(id, delivery, body, lane);
    done ??= this.local.sending(lane.key);
    try {
      return await this.settle(body, await this.firstAttempt(id, delivery, body, tried));
    } finally {
      done();
    }
  }

  /**
   * Waits in memory for the delivery ahead, which this replica is sending, to end here and wake
   * it (see LocalTurns), giving back its in-flight slot meanwhile. Its turn is read again once it
   * waits: the one ahead may have ended in between and found nobody to wake. 'head' with the
   * function to call once settled when its turn came; 'wait' when it must wait as a job.
   */
  private async waitHere(id: string, lane: DeliveryLane): Promise<{ turn: Turn; done: (() => void) | null }> {
    const waiting = this.local.wait(lane.key, id);
    let now: Turn = 'wait';
    try {
      now = await this.lanes.turn(lane.key, id);
    } catch {
      // Unread: it waits here all the same; the job path reads it again if it gives up.
    }
    if (now !== 'wait') {
      waiting.cancel();
      const done = await waiting.turn;
      return { turn: done ? 'head' : now, done };
    }
    this.inFlight--;
    this.slotFreed();
    const done = await waiting.turn;
    this.inFlight++;
    return { turn: done ? 'head' : 'wait', done };
  }

  /**
   * The lane of an ordered delivery. The event says which lanes it joined at commit (the api's
   * view of the ordered endpoints), not this replica's configuration: an endpoint that is
   * ordered here but was not there is delivered unordered rather than waiting in no lane.
   */
  private laneOf(event: EventJobData, endpoint: DeliveryEndpoint): DeliveryLane | undefined {
    const onFailure = event.lanes?.[endpointIdOf(endpoint.uri)];
    return onFailure ? { key: laneKey(this.partitions, event.entity.id, endpoint.uri), onFailure } : undefined;
  }

  /**
   * An ordered delivery behind another: recorded `pending`, its body held, and a job that sleeps
   * in the delayed set until the one ahead ends and wakes it. Its turn is read again once the
   * job exists: the one ahead may have ended in between and found no job to wake.
   */
  private waitTurn(id: string, delivery: DeliveryJobData, body: string, lane: DeliveryLane): Promise<boolean> {
    return this.untilStored('queue an ordered delivery', async () => {
      await Promise.all([this.log.recordQueued([{ id, data: delivery }]), this.bodies.hold(delivery.eventId, body, [id])]);
      await this.deliveries.add(jobName(delivery), delivery, { jobId: id, delay: LANE_RECHECK_MS });
      const turn = await this.lanes.turn(lane.key, id);
      if (turn === 'head') await this.lanes.wake(id);
      else if (turn === 'held') await this.lanes.markHeld(id);
    });
  }

  /** The first try; `tried` is told as soon as it ends, before anything is recorded. */
  private async firstAttempt(id: string, delivery: DeliveryJobData, body: string, tried: () => void): Promise<Settled> {
    try {
      const result = await this.runner.run(id, delivery, body, 1);
      if (result.kind === 'parked') return settledWithoutAttempt(id, delivery, result.retryInMs);
      return settledFirstAttempt(id, delivery, result);
    } catch (err) {
      // Our side failed (reading the secret): the delivery waits in the queue, no attempt used.
      this.logger.warn({ msg: 'store failure on a first attempt, delivery queued', deliveryId: id, error: (err as Error).message });
      return settledWithoutAttempt(id, delivery, this.policy.delayAfterStoreFailure(0));
    } finally {
      tried();
    }
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
        attempt
          ? this.firstAttempts.add({ id, data: delivery, attempt, status: attempt.outcome, first: true })
          : this.log.recordQueued([{ id, data: delivery }]),
        job ? this.bodies.hold(delivery.eventId, body, [id]) : undefined,
      ]);
      if (job) {
        const added = await this.deliveries.add(jobName(delivery), job.data, { jobId: id, ...job.opts });
        // A failed first attempt opens the job's log (Bull Board's Logs tab); a delivered one
        // has no job and writes nothing.
        if (attempt) await added.log(attemptLine(attempt));
      }
      // An ordered delivery that ended (delivered, or a dead letter) lets the next one go, or
      // holds its lane. A crash before this leaves the entry pending: taken over, it finds the
      // delivery still at the head and tries it again (a duplicate, never a reordering).
      if (delivery.lane && attempt && attempt.outcome !== 'retrying') await this.lanes.ended(id, delivery, attempt.outcome);
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
