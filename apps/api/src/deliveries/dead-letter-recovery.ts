import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { DeliveryJobData, DeliveryLanes, DeliveryQueues, originOf } from '@app/delivery';
import { AppMetrics, Partition, Partitions } from '@app/platform';

/** What a recover sends again: dead letters that failed within [since, until] and match the rest. */
export interface RecoverFilter {
  uri?: string;
  origin?: string;
  entityId?: string;
  eventType?: string;
  since: number;
  until?: number;
}

/** A recover under way or ended, as the console shows it. */
export interface RecoverProgress {
  id: string;
  filter: RecoverFilter;
  startedAt: number;
  endedAt?: number;
  /** Dead letters looked at so far. */
  examined: number;
  recovered: number;
  error?: string;
}

/** Dead letters read per partition per batch: what one batch holds in memory. */
export const RECOVER_BATCH = 500;
/** Dead letters retried at once within a batch (each is a few round trips). */
const RETRY_CONCURRENCY = 32;
/** Recovers remembered for the console once ended. */
const KEEP_ENDED = 20;

/**
 * Bulk recover: every dead letter that matches a filter is retried once, as
 * `POST /management/v1/deliveries/{id}/retry` retries one. It walks each partition's failed set
 * (BullMQ's, scored by when the job failed) oldest first, in batches of `RECOVER_BATCH`, and
 * yields to the event loop between batches: a million dead letters cost a million retries, but
 * never more than a batch in memory, and the api keeps answering meanwhile.
 *
 * - **Once.** A dead letter is retried only if its job is still in the failed set (BullMQ moves
 *   it in one script): a second recover, or one running beside it, finds it gone and counts it
 *   no more. A recovered one that fails again fails after `until` (which defaults to when the
 *   recover started), so the same recover never sends it twice.
 * - **In order.** Dead letters of an ordered endpoint go back into their object's lane, in
 *   sequence order, before their jobs are retried (`DeliveryLanes.rejoin`): the lane sends them
 *   one at a time, after what waits there now. A dead letter that holds its lane is its head
 *   already and goes first.
 * - **Visible.** `callback_deliveries_recovered_total` counts each batch as it goes, and the
 *   console lists the recovers of this replica with their counts.
 */
@Injectable()
export class DeadLetterRecovery {
  private readonly logger = new Logger('Recover');
  private readonly runs = new Map<string, RecoverProgress>();

  constructor(
    private readonly deliveries: DeliveryQueues,
    private readonly lanes: DeliveryLanes,
    private readonly partitions: Partitions,
    private readonly metrics: AppMetrics,
  ) {}

  /** Recovers under way on this replica, then the last ended ones, newest first. */
  progress(): RecoverProgress[] {
    return [...this.runs.values()].reverse();
  }

  /** Retries every matching dead letter once; resolves with how many were sent again. */
  async recover(filter: RecoverFilter): Promise<number> {
    const run: RecoverProgress = { id: randomUUID(), filter, startedAt: Date.now(), examined: 0, recovered: 0 };
    this.remember(run);
    const until = filter.until ?? run.startedAt;
    try {
      // Partitions one after the other: one batch in memory at a time, and the api's Redis
      // connection shared fairly with the requests it serves meanwhile.
      // An object's dead letters all live in its partition.
      const partitions = filter.entityId === undefined ? this.partitions.all : [this.partitions.of(filter.entityId)];
      for (const partition of partitions) await this.recoverIn(partition, filter, until, run);
      return run.recovered;
    } catch (err) {
      run.error = (err as Error).message;
      throw err;
    } finally {
      run.endedAt = Date.now();
      this.logger.log(`Recover ${run.id}: ${run.recovered} sent again of ${run.examined} dead letters looked at`);
    }
  }

  private async recoverIn(partition: Partition, filter: RecoverFilter, until: number, run: RecoverProgress): Promise<void> {
    // Recovered ones leave the failed set; those that stay (not matching, or no longer
    // failed) are stepped over by the offset.
    let offset = 0;
    for (;;) {
      const page = await this.deliveries.failedSince(partition, filter.since, until, offset, RECOVER_BATCH);
      if (page.length === 0) return;
      const data = await this.deliveries.dataOf(
        partition,
        page.map((p) => p.id),
      );
      const matched = page.flatMap((p, i) => (data[i] && matchesFilter(data[i]!, filter) ? [{ id: p.id, data: data[i]! }] : []));
      await this.rejoinLanes(matched);
      const recovered = await this.retryAll(matched.map((m) => m.id));
      run.examined += page.length;
      run.recovered += recovered;
      this.metrics.deliveriesRecovered.inc(recovered);
      offset += page.length - recovered;
      if (page.length < RECOVER_BATCH) return;
      await yieldToEventLoop();
    }
  }

  /** Ordered dead letters back into their lanes, each lane's in sequence order. */
  private async rejoinLanes(matched: { id: string; data: DeliveryJobData }[]): Promise<void> {
    const byLane = new Map<string, { id: string; sequence: number }[]>();
    for (const { id, data } of matched) {
      if (!data.lane) continue;
      const lane = byLane.get(data.lane.key) ?? [];
      lane.push({ id, sequence: data.sequence });
      byLane.set(data.lane.key, lane);
    }
    for (const [key, members] of byLane)
      await this.lanes.rejoin(
        key,
        members.sort((a, b) => a.sequence - b.sequence).map((m) => m.id),
      );
  }

  /** Retries dead letters, `RETRY_CONCURRENCY` at a time; returns how many were still dead. */
  private async retryAll(ids: string[]): Promise<number> {
    let recovered = 0;
    for (let i = 0; i < ids.length; i += RETRY_CONCURRENCY) {
      const results = await Promise.all(
        ids.slice(i, i + RETRY_CONCURRENCY).map(async (id) => {
          const job = await this.deliveries.getJob(id);
          return job ? this.deliveries.retryDeadLetter(job) : 'unknown';
        }),
      );
      recovered += results.filter((r) => r === 'retried').length;
    }
    return recovered;
  }

  private remember(run: RecoverProgress): void {
    this.runs.set(run.id, run);
    const ended = [...this.runs.values()].filter((r) => r.endedAt !== undefined);
    for (const old of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED))) this.runs.delete(old.id);
  }
}

function matchesFilter(data: DeliveryJobData, filter: RecoverFilter): boolean {
  const uri = data.endpoint?.uri;
  return (
    typeof uri === 'string' &&
    (filter.uri === undefined || uri === filter.uri) &&
    (filter.origin === undefined || originOf(uri) === filter.origin) &&
    (filter.entityId === undefined || data.entity?.id === filter.entityId) &&
    (filter.eventType === undefined || data.eventType === filter.eventType)
  );
}
