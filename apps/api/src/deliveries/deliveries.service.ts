import { Injectable } from '@nestjs/common';
import { DeliveryLog, DeliveryQueues, DeliveryRecord, newSeries } from '@app/delivery';
import { NotFound, StateConflict } from '../domain/domain-errors';
import { DEFAULT_DELIVERIES_LIMIT, DeliveryQueryDto } from './delivery-query.dto';

/** Reads the delivery log and retries dead letters (the failed jobs of the deliveries queue). */
@Injectable()
export class DeliveriesService {
  constructor(
    private readonly log: DeliveryLog,
    private readonly deliveries: DeliveryQueues,
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
}
