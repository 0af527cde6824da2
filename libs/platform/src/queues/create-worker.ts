import { Logger } from '@nestjs/common';
import { Processor, Worker, WorkerOptions } from 'bullmq';
import Redis from 'ioredis';

/** How often a job may be found stalled (its replica gone) before BullMQ fails it. */
export const MAX_STALLS = 10;

/** Where a worker runs and how it reports: the app's queue connection, the queue's prefix, the log. */
export interface WorkerContext {
  /** The app's shared queue connection (`BULL_CONNECTION`); BullMQ opens the blocking one from it. */
  connection: Redis;
  prefix: string;
  logger: Logger;
  /** How long a job stays locked to this replica; a killed replica's jobs move on after it. */
  lockDurationMs: number;
}

/**
 * The one way the product builds a BullMQ worker. Workers are built here rather than with
 * `@Processor` because their concurrency and backoff strategy come from the runtime
 * configuration, which decorators cannot see. Every worker gets:
 * - the stall policy: a job whose replica died is taken back after `lockDurationMs`, and is
 *   failed only after `MAX_STALLS` such deaths (BullMQ's default, 1, failed jobs the second
 *   time a replica died under them, which the fault harness showed under repeated kills);
 * - an error listener, so a dropped connection is a log line, not an uncaught exception.
 * The owner closes it on shutdown (`worker.close()` finishes the jobs in flight).
 */
export function createWorker<T, R>(
  { connection, prefix, logger, lockDurationMs }: WorkerContext,
  queue: string,
  processor: Processor<T, R>,
  options: Omit<WorkerOptions, 'connection' | 'prefix' | 'lockDuration' | 'stalledInterval' | 'maxStalledCount'> = {},
): Worker<T, R> {
  const worker = new Worker<T, R>(queue, processor, {
    connection,
    prefix,
    lockDuration: lockDurationMs,
    stalledInterval: lockDurationMs,
    maxStalledCount: MAX_STALLS,
    ...options,
  });
  worker.on('error', (err) => logger.warn(`Worker error (${queue}): ${err.message}`));
  return worker;
}
