import { Injectable } from '@nestjs/common';
import {
  DeliveryLanes,
  DeliveryLog,
  DeliveryQueues,
  DeliveryRecord,
  encodeCursor,
  InvalidCursor,
  laneKey,
  SearchPage,
} from '@app/delivery';
import { Partitions } from '@app/platform';
import { InvalidInput, NotFound, StateConflict } from '../domain/domain-errors';
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

  /**
   * A page of the log, newest first, with the cursor of the next. Only the original filters
   * (event, entity, status) with an offset read the indexes alone, as before; the endpoint,
   * event type, time range and cursor go through `DeliveryLog.search`, which bounds its work.
   */
  async list(query: DeliveryQueryDto): Promise<SearchPage<DeliveryRecord>> {
    const { eventId, entityId, status, uri, origin, eventType, since, until, cursor } = query;
    const limit = query.limit ?? DEFAULT_DELIVERIES_LIMIT;
    const searching = [uri, origin, eventType, since, until, cursor].some((v) => v !== undefined);
    if (searching && query.offset !== undefined)
      throw new InvalidInput([
        {
          message: 'offset cannot be combined with uri, origin, eventType, since, until or cursor; use cursor',
          path: 'offset',
          invalidValue: query.offset,
        },
      ]);
    if (!searching) {
      const items = await this.log.list({ eventId, entityId, status }, query.offset ?? 0, limit);
      const last = items[items.length - 1];
      return items.length === limit && last ? { items, next: encodeCursor({ at: last.createdAt, id: last.id }) } : { items };
    }
    try {
      return await this.log.search(
        { eventId, entityId, statuses: status && [status], uri, origin, eventType, since, until },
        cursor,
        limit,
      );
    } catch (err) {
      if (err instanceof InvalidCursor) throw new InvalidInput([{ message: err.message, path: 'cursor', invalidValue: cursor }]);
      throw err;
    }
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
    const state = await this.deliveries.retryDeadLetter(job);
    if (state !== 'retried')
      throw new StateConflict(
        state === 'unknown'
          ? `Delivery ${id} is no longer in the queue and cannot be retried`
          : `Delivery ${id} is not dead-lettered (its job is ${state}); only a failed delivery can be retried`,
      );
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
