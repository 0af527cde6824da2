import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Job, JobState, JobsOptions, JobType, Queue } from 'bullmq';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, BULL_CONNECTION, deliveriesQueueName, Partition, Partitions } from '@app/platform';
import { DeliveryJobData, eventIdOf, newSeries } from './delivery-job';

/**
 * The deliveries queues, one per partition (`deliveries.p03` under the partition's hash tag):
 * a delivery's job lives in its event's partition, with the event's object. Callers name a
 * delivery by its id; this finds its queue.
 */
@Injectable()
export class DeliveryQueues implements OnApplicationShutdown {
  /** Index = partition index. */
  readonly all: readonly Queue<DeliveryJobData>[];

  constructor(
    @Inject(BULL_CONNECTION) private readonly connection: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly partitions: Partitions,
  ) {
    const defaultJobOptions: JobsOptions = {
      // A ceiling only: the retry policy decides which attempt is the last (the worker ends it).
      attempts: config.dispatch.maxAttempts,
      backoff: { type: 'callback' },
      removeOnComplete: { age: 24 * 3600, count: 100_000 },
      // Dead letters stay until someone retries or removes them.
      removeOnFail: false,
    };
    const logger = new Logger('Queues');
    this.all = partitions.all.map((partition) => {
      const queue = new Queue<DeliveryJobData>(deliveriesQueueName(partition), { connection, prefix: partition.tag, defaultJobOptions });
      // A queue emits `error` when its connection drops; unheard, Node would crash on it.
      queue.on('error', (err) => logger.warn(`Queue ${queue.name}: ${err.message}`));
      return queue;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.all.map((queue) => queue.close()));
  }

  /** The queue of a partition. */
  in(partition: Partition): Queue<DeliveryJobData> {
    return this.all[partition.index];
  }

  /** The queue that holds (or will hold) the delivery with this id. */
  of(deliveryId: string): Queue<DeliveryJobData> {
    return this.in(this.partitions.of(eventIdOf(deliveryId)));
  }

  /** Adds a delivery's job (its id is the delivery id) to its partition's queue. */
  add(name: string, data: DeliveryJobData, opts: JobsOptions & { jobId: string }): Promise<Job<DeliveryJobData>> {
    return this.of(opts.jobId).add(name, data, opts);
  }

  getJob(deliveryId: string): Promise<Job<DeliveryJobData> | undefined> {
    return this.of(deliveryId).getJob(deliveryId);
  }

  getJobState(deliveryId: string): Promise<JobState | 'unknown'> {
    return this.of(deliveryId).getJobState(deliveryId);
  }

  /** Job counts summed over the partitions. */
  async getJobCounts(...types: JobType[]): Promise<Record<string, number>> {
    const counts = await Promise.all(this.all.map((queue) => queue.getJobCounts(...types)));
    const total: Record<string, number> = {};
    for (const c of counts) for (const [state, n] of Object.entries(c)) total[state] = (total[state] ?? 0) + n;
    return total;
  }

  /**
   * Gives a dead letter a full new series of attempts, with the same job data (so the same
   * `webhook-id`). BullMQ checks the failed state and moves the job in one script, so of two
   * concurrent retries one starts the series. Returns the job's state when it was not failed.
   */
  async retryDeadLetter(job: Job<DeliveryJobData>): Promise<'retried' | JobState | 'unknown'> {
    try {
      await job.updateData(newSeries(job.data));
      // BullMQ's count of runs (attemptsStarted) stays: a run numbered 1 is how the worker
      // knows that nothing was logged for the delivery yet (DeliveryLog.recordAttempts' first).
      await job.retry('failed', { resetAttemptsMade: true });
      return 'retried';
    } catch (err) {
      const state = await job.getState();
      if (state === 'failed') throw err;
      return state;
    }
  }

  /**
   * Dead letters of a partition that failed within [since, until] (epoch ms), oldest first,
   * `count` from `offset` on, with when each failed.
   */
  async failedSince(
    partition: Partition,
    since: number,
    until: number,
    offset: number,
    count: number,
  ): Promise<{ id: string; at: number }[]> {
    const queue = this.in(partition);
    const flat = await this.connection.zrange(queue.keys.failed, since, until, 'BYSCORE', 'LIMIT', offset, count, 'WITHSCORES');
    const found: { id: string; at: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) found.push({ id: flat[i], at: Number(flat[i + 1]) });
    return found;
  }

  /** The data of jobs of one partition, in one round trip; null for a job gone or unreadable. */
  async dataOf(partition: Partition, ids: string[]): Promise<(DeliveryJobData | null)[]> {
    if (ids.length === 0) return [];
    const queue = this.in(partition);
    const pipeline = this.connection.pipeline();
    for (const id of ids) pipeline.hget(queue.toKey(id), 'data');
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, json]) => {
      if (err) throw err;
      try {
        return typeof json === 'string' ? (JSON.parse(json) as DeliveryJobData) : null;
      } catch {
        return null;
      }
    });
  }
}
