import { Injectable, Logger } from '@nestjs/common';
import {
  AttemptEntry,
  attemptLine,
  DeliveryJobData,
  DeliveryLane,
  DeliveryLanes,
  DeliveryLog,
  DeliveryQueues,
  EventBodyStore,
  jobName,
  LANE_RECHECK_MS,
  RetryPolicy,
} from '@app/delivery';
import { AttemptRunner } from '../attempts/attempt-runner';
import { Settled, settledFirstAttempt, settledWithoutAttempt } from './settled';
import { WriteBatcher } from './write-batcher';

/** How long a failed write of the hot path waits before it is tried again. */
const SETTLE_RETRY_MS = 1000;

/**
 * A delivery taken from the event stream, from its first try to its record: the try, its
 * record in the delivery log, and the deliveries-queue job of one that needs more (retries, a
 * wait, a dead letter, or an ordered one's turn), with the event's body held for it. Writes are
 * tried again while Redis refuses them; once the dispatcher stops, they give up and leave the
 * entry pending for another replica.
 */
@Injectable()
export class DeliverySettler {
  private readonly logger = new Logger('EventDispatcher');
  private stopping = false;
  // First attempts that end together are recorded together.
  private readonly firstAttempts = new WriteBatcher<AttemptEntry>((entries) => this.log.recordAttempts(entries));

  constructor(
    private readonly runner: AttemptRunner,
    private readonly log: DeliveryLog,
    private readonly bodies: EventBodyStore,
    private readonly deliveries: DeliveryQueues,
    private readonly lanes: DeliveryLanes,
    private readonly policy: RetryPolicy,
  ) {}

  /** Writes still failing give up from now on (see `untilStored`). */
  stop(): void {
    this.stopping = true;
  }

  /** The first try, recorded; `tried` is told as soon as the try ends, before anything is recorded. False when stopping left it unrecorded. */
  async tryFirst(id: string, delivery: DeliveryJobData, body: string, tried: () => void): Promise<boolean> {
    return this.settle(body, await this.firstAttempt(id, delivery, body, tried));
  }

  /**
   * An ordered delivery behind another: recorded `pending`, its body held, and a job that sleeps
   * in the delayed set until the one ahead ends and wakes it. Its turn is read again once the
   * job exists: the one ahead may have ended in between and found no job to wake.
   */
  queueBehind(id: string, delivery: DeliveryJobData, body: string, lane: DeliveryLane): Promise<boolean> {
    return this.untilStored('queue an ordered delivery', async () => {
      await Promise.all([this.log.recordQueued([{ id, data: delivery }]), this.bodies.hold(delivery.eventId, body, [id])]);
      await this.deliveries.add(jobName(delivery), delivery, { jobId: id, delay: LANE_RECHECK_MS });
      const turn = await this.lanes.turn(lane.key, id);
      if (turn === 'head') await this.lanes.wake(id);
      else if (turn === 'held') await this.lanes.markHeld(id);
    });
  }

  /** Makes `write` until it goes through; false only when the dispatcher is stopping. */
  async untilStored(what: string, write: () => Promise<void>): Promise<boolean> {
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
   * (holding the event's body for it).
   */
  private settle(body: string, settled: Settled): Promise<boolean> {
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
}
