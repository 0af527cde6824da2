import { Logger } from '@nestjs/common';
import { Processor, Worker, WorkerOptions } from 'bullmq';
import Redis from 'ioredis';

/** How often a job may be found stalled (its replica gone) before BullMQ fails it. */
export const MAX_STALLS = 10;

/** How long a worker waits after Redis refused to hand it a job before it asks again. */
export const FETCH_ERROR_PAUSE_MS = 1000;

/**
 * BullMQ's worker asks again at once when Redis answers its fetch with an error that is not a
 * dropped connection: out of memory (`OOM command not allowed`), a read-only replica after a
 * failover. Sixteen partitions' workers in two dispatchers then made some 9,000 failed calls a
 * second during the fault harness's 10 s of OOM, which starved the event loop, kept stream
 * entries from being touched in time, and had them claimed and delivered again by the other
 * replica (most of the harness's duplicates). A failed fetch now waits before the next.
 */
class PacedWorker<T, R> extends Worker<T, R> {
  /** Ends the pause under way, if any: a closing worker does not wait one out. */
  private endPause = () => {};

  constructor(...args: ConstructorParameters<typeof Worker<T, R>>) {
    super(...args);
    this.once('closing', () => this.endPause());
  }

  protected override async moveToActive(...args: Parameters<Worker<T, R>['moveToActive']>) {
    try {
      return await super.moveToActive(...args);
    } catch (err) {
      if (!this.closing) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, FETCH_ERROR_PAUSE_MS);
          this.endPause = () => (clearTimeout(timer), resolve());
        });
      }
      throw err;
    }
  }
}

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
 * - an error listener, so a dropped connection is a log line, not an uncaught exception;
 * - a pause after a fetch that Redis refused (see `PacedWorker`).
 * The owner closes it on shutdown (`worker.close()` finishes the jobs in flight).
 */
export function createWorker<T, R>(
  { connection, prefix, logger, lockDurationMs }: WorkerContext,
  queue: string,
  processor: Processor<T, R>,
  options: Omit<WorkerOptions, 'connection' | 'prefix' | 'lockDuration' | 'stalledInterval' | 'maxStalledCount'> = {},
): Worker<T, R> {
  const worker = new PacedWorker<T, R>(queue, processor, {
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
