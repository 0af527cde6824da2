import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Job, JobState, JobsOptions, JobType, Queue } from 'bullmq';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, BULL_CONNECTION, deliveriesQueueName, Partition, Partitions } from '@app/platform';
import { DeliveryJobData, eventIdOf } from './delivery-job';

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
    @Inject(BULL_CONNECTION) connection: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly partitions: Partitions,
  ) {
    const defaultJobOptions: JobsOptions = {
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
}
