import { Processor, Worker, WorkerOptions } from 'bullmq';
import Redis from 'ioredis';

/** How often a job may be found stalled (its replica gone) before BullMQ fails it. */
export const MAX_STALLS = 10;

/**
 * A BullMQ worker on the app's shared queue connection (`BULL_CONNECTION`; BullMQ opens the
 * worker's blocking connection from it) under `prefix`. Workers are built here rather than
 * with `@Processor` because their concurrency and backoff strategy come from the runtime
 * configuration, which decorators cannot see.
 */
export function createWorker<T, R>(
  connection: Redis,
  prefix: string,
  queue: string,
  processor: Processor<T, R>,
  options: Omit<WorkerOptions, 'connection' | 'prefix'> = {},
): Worker<T, R> {
  return new Worker<T, R>(queue, processor, { connection, prefix, ...options });
}
