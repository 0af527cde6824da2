import { Processor, Worker, WorkerOptions } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { redisOptionsFromUrl } from '../redis/redis-connection';
import { bullPrefix } from './queue-names';

/** How often a job may be found stalled (its replica gone) before BullMQ fails it. */
export const MAX_STALLS = 10;

/**
 * A BullMQ worker on the product's connection and prefix. Workers are built here rather than
 * with `@Processor` because their concurrency and backoff strategy come from the runtime
 * configuration, which decorators cannot see.
 */
export function createWorker<T, R>(
  config: AppConfig,
  queue: string,
  processor: Processor<T, R>,
  options: Omit<WorkerOptions, 'connection' | 'prefix'> = {},
): Worker<T, R> {
  return new Worker<T, R>(queue, processor, {
    connection: { ...redisOptionsFromUrl(config.redisUrl), maxRetriesPerRequest: null },
    prefix: bullPrefix(config),
    ...options,
  });
}
