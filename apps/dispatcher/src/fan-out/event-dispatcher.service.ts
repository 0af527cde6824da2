import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { StreamEvent, TraceContext } from '@app/events';
import {
  DeliveryEndpoint,
  DeliveryJobData,
  deliveryJobId,
  DeliveryLane,
  DeliveryLanes,
  endpointIdOf,
  laneKey,
  LocalTurns,
  Turn,
} from '@app/delivery';
import {
  APP_CONFIG,
  AppConfig,
  eventStreamKey,
  isCluster,
  Partitions,
  REDIS,
  STREAM_GROUPS,
  StreamConsumer,
  StreamEntry,
  startSpan,
} from '@app/platform';
import { DeliverySettler } from './delivery-settler';
import { EndpointMatcher } from './endpoint-matcher.service';
import { DeliverySlot, InFlightBudget } from './in-flight-budget';

import { StreamHousekeeping } from './stream-housekeeping';
import { WriteBatcher } from './write-batcher';

/**
 * The hot path: takes each committed event straight from the event stream and makes the first
 * attempt to every endpoint it matches at once, with no job in between. Only a delivery that
 * needs more (its first attempt failed, or its endpoint said wait) becomes a job of the
 * deliveries queue, which runs its retries and keeps its dead letter. An entry is acknowledged
 * once every one of its deliveries is recorded in the delivery log or handed to that queue, so
 * a dispatcher killed at any instant leaves it pending, and another takes it over (a delivery
 * may then be made twice, with the same `webhook-id`; never lost).
 *
 * It reads every partition's stream: all with one consumer on a single Redis, one consumer each
 * on a cluster. `DISPATCH_CONCURRENCY` deliveries are in flight at most, over all partitions,
 * and as many being recorded. The streams are read only as far as there is room; entries read
 * at once beyond it (a read takes up to the room from each stream) wait here for a free slot (at
 * most `MAX_READ` per partition), so memory stays bounded however long the streams are.
 */
@Injectable()
export class EventDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventDispatcher');
  private readonly readers: StreamReader[];
  private readonly running = new Set<Promise<void>>();
  private readonly budget: InFlightBudget<{ reader: StreamReader; entry: StreamEntry<StreamEvent> }>;
  private readonly housekeeping: StreamHousekeeping;
  private stopping = false;
  private readonly local = new LocalTurns();

  constructor(
    private readonly matcher: EndpointMatcher,
    private readonly settler: DeliverySettler,
    private readonly lanes: DeliveryLanes,
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly partitions: Partitions,
  ) {
    lanes.wakeLocally((id) => this.local.wake(id));
    this.budget = new InFlightBudget(
      config.dispatch.concurrency,
      ({ reader, entry }) => this.track(this.dispatch(reader, entry)),
      () => {
        for (const { consumer } of this.readers) consumer.wake();
      },
    );
    // On a single Redis one consumer reads every partition's stream; on a cluster, whose
    // streams lie in different slots, one consumer each (see StreamConsumerOptions.keys).
    const keys = partitions.all.map((partition) => eventStreamKey(partition));
    this.readers = (isCluster(redis) ? keys.map((key) => [key]) : [keys]).map((readKeys) => {
      const consumer: StreamConsumer<StreamEvent> = new StreamConsumer<StreamEvent>(redis, {
        redisUrl: config.redisUrl,
        keys: readKeys,
        group: STREAM_GROUPS.dispatch,
        room: () => this.budget.room(),
        take: (entries) => this.budget.take(entries.map((entry) => ({ reader, entry }))),
        claimIdleMs: config.dispatch.lockDurationMs,
        logger: this.logger,
      });
      // Entries whose deliveries are all recorded are acknowledged together.
      const reader: StreamReader = { consumer, acks: new WriteBatcher<StreamEntry<StreamEvent>>((entries) => consumer.ack(entries)) };
      return reader;
    });
    this.housekeeping = new StreamHousekeeping(redis, keys, this.logger);
  }

  onApplicationBootstrap(): void {
    for (const { consumer } of this.readers) consumer.start();
    this.housekeeping.start();
  }

  /** Stops reading, finishes the deliveries in flight and records them. */
  async beforeApplicationShutdown(): Promise<void> {
    this.housekeeping.stop();
    this.stopping = true;
    this.settler.stop();
    await Promise.all(this.readers.map(({ consumer }) => consumer.stop()));
    // What waits for a slot was never started: it stays pending for another replica.
    for (const { reader, entry } of this.budget.drain()) reader.consumer.release([entry]);
    // Ordered deliveries waiting in memory wait as jobs instead, so their entries are done.
    this.local.releaseAll();
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  // Each delivery of the entry holds one slot of the budget while its first try is under way,
  // so a slow endpoint holds only its own slots; the entry is acknowledged once all are recorded.
  private async dispatch(reader: StreamReader, entry: StreamEntry<StreamEvent>): Promise<void> {
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
    const slots = endpoints.map(() => this.budget.open());
    const recorded = await Promise.all(
      endpoints.map(async (endpoint, i) => {
        try {
          return await this.deliver(event, body, endpoint, slots[i], trace);
        } finally {
          slots[i].ended();
        }
      }),
    );
    span?.end();
    if (recorded.every(Boolean)) await this.acknowledge(reader, entry);
    else reader.consumer.release([entry]);
  }

  /**
   * One delivery of the entry, settled (see `settle`). An ordered one is tried now only when it
   * is its lane's head. Behind one that this replica is sending, it waits here (`waitHere`);
   * behind another, or when that one does not end here, it waits as a job (`waitTurn`). Gone
   * from its lane, it has ended already (the entry was taken over after a crash).
   */
  private async deliver(
    event: StreamEvent,
    body: string,
    endpoint: DeliveryEndpoint,
    slot: DeliverySlot,
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
    if (!lane) return this.settler.tryFirst(id, delivery, body, slot.tried);
    let turn = 'head' as Turn;
    if (!(await this.settler.untilStored('read a lane', async () => void (turn = await this.lanes.turn(lane.key, id))))) return false;
    let done: (() => void) | null = null;
    if (turn === 'wait' && !this.stopping && this.local.canWait(lane.key)) ({ turn, done } = await this.waitHere(id, lane, slot));
    if (turn === 'gone') return true;
    if (turn !== 'head') return this.settler.queueBehind(id, delivery, body, lane);
    done ??= this.local.sending(lane.key);
    try {
      return await this.settler.tryFirst(id, delivery, body, slot.tried);
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
  private async waitHere(id: string, lane: DeliveryLane, slot: DeliverySlot): Promise<{ turn: Turn; done: (() => void) | null }> {
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
    slot.lend();
    const done = await waiting.turn;
    slot.takeBack();
    return { turn: done ? 'head' : 'wait', done };
  }

  /**
   * The lane of an ordered delivery. The event says which lanes it joined at commit (the api's
   * view of the ordered endpoints), not this replica's configuration: an endpoint that is
   * ordered here but was not there is delivered unordered rather than waiting in no lane.
   */
  private laneOf(event: StreamEvent, endpoint: DeliveryEndpoint): DeliveryLane | undefined {
    const onFailure = event.lanes?.[endpointIdOf(endpoint.uri)];
    return onFailure ? { key: laneKey(this.partitions, event.entity.id, endpoint.uri), onFailure } : undefined;
  }

  private async acknowledge(reader: StreamReader, entry: StreamEntry<StreamEvent>): Promise<void> {
    const done = await this.settler.untilStored('acknowledge an event', () => reader.acks.add(entry));
    if (!done) reader.consumer.release([entry]);
  }
}

/** A consumer of the event streams (every partition's, or on a cluster one's) and its acknowledgements. */
interface StreamReader {
  consumer: StreamConsumer<StreamEvent>;
  acks: WriteBatcher<StreamEntry<StreamEvent>>;
}
