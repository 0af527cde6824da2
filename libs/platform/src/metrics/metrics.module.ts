import { DynamicModule, Module } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { AppMetrics } from './metrics';

/** Provides the app's `AppMetrics` everywhere; each app serves it from its own `/metrics`. */
@Module({})
export class MetricsModule {
  static forRoot(app: string): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      providers: [{ provide: AppMetrics, useValue: new AppMetrics(app) }],
      exports: [AppMetrics],
    };
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * How often at most a `/metrics` reads its depths from Redis (about 50 commands with 16
 * partitions): scrapes within it get the last reading. Prometheus scrapes every 15 s or more,
 * so this costs a scraper nothing and caps what many scrapers cost Redis (issue 20, finding 8).
 */
export const SCRAPE_READ_EVERY_MS = 1000;

/**
 * Reads each consumer group's lag and pending entries into `callback_event_stream_entries`,
 * summed over the streams (one per partition), and per partition into
 * `callback_partition_event_stream_entries`. `partitions[i]` names `keys[i]`.
 */
export async function recordStreamDepths(metrics: AppMetrics, redis: Redis, keys: string[], partitions: string[]): Promise<void> {
  const totals = new Map<string, { pending: number; lag: number }>();
  const replies = await Promise.all(keys.map((key) => redis.xinfo('GROUPS', key).catch(() => []) as Promise<unknown[][]>));
  replies.forEach((groups, i) => {
    for (const fields of groups) {
      const info: Record<string, unknown> = {};
      for (let f = 0; f < fields.length; f += 2) info[String(fields[f])] = fields[f + 1];
      const group = String(info.name);
      const pending = Number(info.pending ?? 0);
      const lag = Number(info.lag ?? 0);
      metrics.partitionEventStream.set({ group, partition: partitions[i], state: 'pending' }, pending);
      metrics.partitionEventStream.set({ group, partition: partitions[i], state: 'lag' }, lag);
      const total = totals.get(group) ?? { pending: 0, lag: 0 };
      total.pending += pending;
      total.lag += lag;
      totals.set(group, total);
    }
  });
  for (const [group, { pending, lag }] of totals) {
    metrics.eventStream.set({ group, state: 'pending' }, pending);
    metrics.eventStream.set({ group, state: 'lag' }, lag);
  }
}

/**
 * Reads the job counts of `queues` into `callback_queue_jobs` (at scrape time), the partitions
 * of a queue (`deliveries.p03`) summed under its name (`deliveries`), and each partition's into
 * `callback_partition_queue_jobs`.
 */
export async function recordQueueDepths(metrics: AppMetrics, queues: Queue[]): Promise<void> {
  const counts = await Promise.all(
    queues.map((queue) => queue.getJobCounts('wait', 'active', 'delayed', 'failed', 'completed', 'prioritized')),
  );
  const totals = new Map<string, Record<string, number>>();
  queues.forEach((queue, i) => {
    const [name, partition] = queue.name.split('.');
    if (partition) for (const [state, n] of Object.entries(counts[i])) metrics.partitionQueueJobs.set({ queue: name, partition, state }, n);
    const total = totals.get(name) ?? {};
    for (const [state, n] of Object.entries(counts[i])) total[state] = (total[state] ?? 0) + n;
    totals.set(name, total);
  });
  for (const [queue, states] of totals) for (const [state, n] of Object.entries(states)) metrics.queueJobs.set({ queue, state }, n);
}
