import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { Partition, Partitions, REDIS, withScripts } from '@app/platform';
import { DeliveryJobData } from '../delivery-job';
import { DeliveryLog } from '../delivery-log/delivery-log.service';
import { DeliveryQueues } from '../delivery-queues';
import { heldLanesKey } from './lane-joins';
import { LANE_ADVANCE, LANE_HOLD, LANE_REJOIN, LANE_TURN } from './lane-scripts';

/**
 * How long a delivery waiting its turn sleeps before it looks again. Normally the delivery
 * ahead of it wakes it when it ends; this only bounds the wait when that wake-up was lost (a
 * replica killed between ending a turn and waking the next one).
 */
export const LANE_RECHECK_MS = 30_000;
/**
 * The same for a delivery held behind a dead letter: it waits for an operator (a retry or a
 * skip, which wake the next one), so looking every 30 s would only cost work while a long
 * sequence is held.
 */
export const LANE_HELD_RECHECK_MS = 5 * 60_000;

/** Where a delivery stands in its lane (see LANE_TURN). */
export type Turn = 'head' | 'wait' | 'held' | 'gone';

/** This store's scripts, as commands of its connection. */
interface Scripts {
  cbLaneTurn(key: string, held: string, id: string, rejoin: string): Promise<Turn>;
  cbLaneAdvance(key: string, held: string, failed: string, job: string, id: string, skip: string): Promise<[number, ...string[]] | null>;
  cbLaneRejoin(key: string, failed: string, ...ids: string[]): Promise<number>;
  cbLaneHold(key: string, held: string, id: string, now: number): Promise<string[] | null>;
}

/**
 * In-order delivery per (object, ordered endpoint). Each has a lane: a list of delivery ids
 * that the api's commit scripts append to in the same atomic step as the state change and its
 * event, so the lane is in commit order, which is sequence order. A delivery may be sent only
 * while it is the lane's head; when it ends (delivered, or dead-lettered and the endpoint
 * continues) it leaves the lane and wakes the next one's job. A dead letter of a `hold`
 * endpoint stays at the head and holds the lane until it is retried successfully or skipped.
 *
 * Redis layout, under the object's partition's hash tag (its events' deliveries live there too):
 * - `lane:<objectId>:<endpointId>`: list of delivery ids, head first; gone when empty.
 * - `lane-index:held`: sorted set of the held lanes' keys, scored by when they were held.
 */
@Injectable()
export class DeliveryLanes {
  private readonly logger = new Logger('DeliveryLanes');
  private readonly redis: Redis & Scripts;
  private wakeHere?: (deliveryId: string) => boolean;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly partitions: Partitions,
    private readonly log: DeliveryLog,
    private readonly queues: DeliveryQueues,
  ) {
    this.redis = withScripts<Scripts>(redis, {
      cbLaneTurn: { numberOfKeys: 2, lua: LANE_TURN },
      cbLaneAdvance: { numberOfKeys: 4, lua: LANE_ADVANCE },
      cbLaneRejoin: { numberOfKeys: 2, lua: LANE_REJOIN },
      cbLaneHold: { numberOfKeys: 2, lua: LANE_HOLD },
    });
  }

  /**
   * A replica that keeps deliveries waiting in memory (the dispatcher, see its LocalTurns)
   * wakes those itself when their turn comes; the others' jobs are woken.
   */
  wakeLocally(wake: (deliveryId: string) => boolean): void {
    this.wakeHere = wake;
  }

  turn(key: string, deliveryId: string): Promise<Turn> {
    return this.redis.cbLaneTurn(key, this.heldKey(key), deliveryId, '0');
  }

  /**
   * The turn of a retried job (the deliveries queue's worker): one no longer in its lane
   * rejoins its end rather than being sent at once beside the lane's head (see LANE_TURN).
   */
  turnOrRejoin(key: string, deliveryId: string): Promise<Exclude<Turn, 'gone'>> {
    return this.redis.cbLaneTurn(key, this.heldKey(key), deliveryId, '1') as Promise<Exclude<Turn, 'gone'>>;
  }

  /**
   * Dead letters of one lane being recovered, in sequence order: those still dead and not in
   * the lane join its end (see LANE_REJOIN), before their jobs are retried. Returns how many.
   */
  rejoin(key: string, deliveryIds: string[]): Promise<number> {
    if (deliveryIds.length === 0) return Promise.resolve(0);
    return this.redis.cbLaneRejoin(key, this.queues.of(deliveryIds[0]).keys.failed, ...deliveryIds);
  }

  /**
   * An ordered delivery has ended: delivered, or dead-lettered. Its lane moves on and the next
   * delivery's job is woken, unless the endpoint holds on failure: then the lane stays behind
   * the dead letter and what waits in it is `held` in the log. Safe to call twice.
   */
  async ended(deliveryId: string, data: DeliveryJobData, outcome: 'delivered' | 'failed'): Promise<void> {
    const lane = data.lane;
    if (!lane) return;
    if (outcome === 'failed' && lane.onFailure === 'hold') {
      const waiting = await this.redis.cbLaneHold(lane.key, this.heldKey(lane.key), deliveryId, Date.now());
      if (waiting && waiting.length > 0) await this.log.moveStatus(waiting, 'pending', 'held');
      return;
    }
    await this.advance(lane.key, deliveryId, false);
  }

  /**
   * Skips a dead letter that holds its lane: the lane moves on without it (it stays failed in
   * the log), its held deliveries go back to `pending` and the next one starts. False when the
   * delivery does not hold its lane, or is no longer a dead letter (a retry of it came first):
   * checked in the same script, so a skip and a retry of one dead letter never both go on.
   */
  skip(key: string, deliveryId: string): Promise<boolean> {
    return this.advance(key, deliveryId, true);
  }

  /**
   * The lanes of a deleted object are gone: what waited in them is sent now, unordered (there
   * is no object left to order it by), its held deliveries shown `pending` again. Each job
   * finds its lane gone when it runs (see the delivery worker).
   */
  async released(held: string[], waiting: string[]): Promise<void> {
    if (held.length > 0) await this.log.moveStatus(held, 'held', 'pending');
    await Promise.all([...held, ...waiting].map((id) => (this.wakeHere?.(id) ? undefined : this.wake(id))));
  }

  /** A delivery that joined a held lane is shown `held` (it was recorded `pending`). */
  async markHeld(deliveryId: string): Promise<void> {
    await this.log.moveStatus([deliveryId], 'pending', 'held');
  }

  /**
   * Wakes a waiting delivery whose turn has come: its job sleeps in the delayed set. Best
   * effort: a job that is not there yet looks at its turn itself once it is (see the stream
   * path), and one that is not woken wakes at its re-check.
   */
  async wake(deliveryId: string): Promise<void> {
    try {
      const job = await this.queues.getJob(deliveryId);
      await job?.promote();
    } catch (err) {
      // "not delayed": already running or waiting, it needs no wake-up.
      this.logger.debug(`No wake-up for ${deliveryId}: ${(err as Error).message}`);
    }
  }

  /** Lanes held behind a dead letter, over every partition (the `callback_held_sequences` gauge). */
  async heldCount(): Promise<number> {
    const counts = await Promise.all(this.partitions.all.map((p) => this.redis.zcard(this.heldIndex(p))));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** A lane as the console shows it: its first `max` delivery ids, how many more, and whether it is held. */
  async view(key: string, max: number): Promise<{ ids: string[]; total: number; held: boolean }> {
    const [ids, total, held] = await Promise.all([
      this.redis.lrange(key, 0, max - 1),
      this.redis.llen(key),
      this.redis.zscore(this.heldKey(key), key),
    ]);
    return { ids, total, held: held !== null };
  }

  private async advance(key: string, deliveryId: string, onlyIfHeld: boolean): Promise<boolean> {
    const queue = this.queues.of(deliveryId);
    const ended = await this.redis.cbLaneAdvance(
      key,
      this.heldKey(key),
      queue.keys.failed,
      queue.toKey(deliveryId),
      deliveryId,
      onlyIfHeld ? '1' : '0',
    );
    if (!ended) return false;
    const [held, ...rest] = ended;
    if (held === 1 && rest.length > 0) await this.log.moveStatus(rest, 'held', 'pending');
    if (rest.length > 0 && !this.wakeHere?.(rest[0])) await this.wake(rest[0]);
    return true;
  }

  // The held index of the lane's partition, whose tag the lane key starts with.
  private heldKey(laneKey: string): string {
    const partition = this.partitions.all.find((p) => laneKey.startsWith(`${p.tag}:`));
    if (!partition) throw new Error(`Not a lane key of this service: ${laneKey}`);
    return this.heldIndex(partition);
  }

  private heldIndex(partition: Partition): string {
    return heldLanesKey(partition);
  }
}
