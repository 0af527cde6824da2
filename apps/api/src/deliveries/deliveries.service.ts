import { Injectable } from '@nestjs/common';
import { DeliveryLanes, DeliveryLog, DeliveryQueues, DeliveryRecord, laneKey, newSeries } from '@app/delivery';
import { Partitions } from '@app/platform';
import { NotFound, StateConflict } from '../domain/domain-errors';
import { DEFAULT_DELIVERIES_LIMIT, DeliveryQueryDto } from './delivery-query.dto';

/** Reads the delivery log and retries dead letters (the failed jobs of the deliveries queue). */
@Injectable()
export class DeliveriesService {
  constructor(
    private readonly log: DeliveryLog,
    private readonly deliveries: DeliveryQueues,
    private readonly lanes: DeliveryLanes,
    private readonly partitions: Partitions,
  ) {}

  list(query: DeliveryQueryDto): Promise<DeliveryRecord[]> {
    const { eventId, entityId, status } = query;
    return this.log.list({ eventId, entityId, status }, query.offset ?? 0, query.limit ?? DEFAULT_DELIVERIES_LIMIT);
  }

  async get(id: string): Promise<DeliveryRecord> {
    const record = await this.log.get(id);
    if (!record) throw new NotFound('Delivery', id);
    return record;
  }

  /**
   * Moves a dead letter back to the queue for a full new series of attempts, with the same job
   * data (so the same `webhook-id`). BullMQ checks the failed state and moves the job in one
   * script, so two concurrent retries start one series: the loser gets `409`.
   *
   * The job, not the log record, decides: the record expires after the log's retention while
   * the dead letter stays in the failed set (as Bull Board shows it). When the record is gone,
   * the job is found by its id (the delivery id) and a new `pending` record is made from its
   * data once it is queued again, so the new series is logged and listed.
   */
  async retry(id: string): Promise<void> {
    const record = await this.log.get(id);
    const job = await this.deliveries.getJob(id);
    if (!record && !job) throw new NotFound('Delivery', id);
    if (!job) throw new StateConflict(`Delivery ${id} is no longer in the queue and cannot be retried`);
    try {
      await job.updateData(newSeries(job.data));
      // BullMQ's count of runs (attemptsStarted) stays: a run numbered 1 is how the worker
      // knows that nothing was logged for the delivery yet (DeliveryLog.recordAttempts' first).
      await job.retry('failed', { resetAttemptsMade: true });
    } catch (err) {
      const state = await job.getState();
      if (state === 'failed') throw err;
      throw new StateConflict(
        state === 'unknown'
          ? `Delivery ${id} is no longer in the queue and cannot be retried`
          : `Delivery ${id} is not dead-lettered (its job is ${state}); only a failed delivery can be retried`,
      );
    }
    // Never overwrites: a record the first attempt of the new series already wrote stays.
    if (!record) await this.log.recordQueued([{ id, data: job.data }]);
  }

  /**
   * Skips a dead letter that holds its ordered lane (`onFailure: hold`): the lane moves on
   * without it, the deliveries held behind it go back to `pending` and the next one starts. It
   * stays failed (it was not delivered), and can still be retried: then it is sent out of order.
   */
  async skip(id: string): Promise<void> {
    const record = await this.log.get(id);
    const job = await this.deliveries.getJob(id);
    if (!record && !job) throw new NotFound('Delivery', id);
    const state = job ? await job.getState() : 'unknown';
    if (job && state !== 'failed')
      throw new StateConflict(`Delivery ${id} is not dead-lettered (its job is ${state}); only a dead letter can be skipped`);
    // The lane is found from the job, or from the record once the job was removed.
    const owner = job?.data ?? record!;
    const key = job?.data.lane?.key ?? laneKey(this.partitions, owner.entity.id, owner.endpoint.uri);
    if (!(await this.lanes.skip(key, id)))
      throw new StateConflict(`Delivery ${id} does not hold an ordered sequence; there is nothing to skip`);
  }
}
