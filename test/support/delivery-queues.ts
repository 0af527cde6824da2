import { Job, JobsOptions, JobType } from 'bullmq';
import Redis from 'ioredis';
import { DeliveryJobData, DeliveryQueues } from '@app/delivery';
import { AppConfig, BLOCKING_CONNECTION, connectRedis, Partitions } from '@app/platform';

/**
 * The deliveries queues of every partition as one handle, for inspecting jobs from a test:
 * what a test reads of "the deliveries queue" is read from each partition's and merged.
 * Close it in afterAll.
 */
export class TestDeliveryQueues {
  private readonly connection: Redis;
  readonly queues: DeliveryQueues;

  constructor(config: AppConfig) {
    this.connection = connectRedis(config.redisUrl, BLOCKING_CONNECTION);
    this.queues = new DeliveryQueues(this.connection, config, new Partitions(config.redisPrefix, config.redisPartitions));
  }

  add(name: string, data: DeliveryJobData, opts: JobsOptions & { jobId: string }) {
    return this.queues.add(name, data, opts);
  }

  getJob(id: string) {
    return this.queues.getJob(id);
  }

  getJobState(id: string) {
    return this.queues.getJobState(id);
  }

  getJobCounts(...types: JobType[]) {
    return this.queues.getJobCounts(...types);
  }

  /** The Redis key of a job's hash. */
  toKey(id: string): string {
    return this.queues.of(id).toKey(id);
  }

  async getJobs(types: JobType[]): Promise<Job<DeliveryJobData>[]> {
    return (await Promise.all(this.queues.all.map((q) => q.getJobs(types)))).flat();
  }

  getFailed(): Promise<Job<DeliveryJobData>[]> {
    return this.getJobs(['failed']);
  }

  async getFailedCount(): Promise<number> {
    return (await this.getJobCounts('failed')).failed;
  }

  async close(): Promise<void> {
    await this.queues.onApplicationShutdown();
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
