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
 * Reads each consumer group's lag and pending entries into `callback_event_stream_entries`,
 * summed over the streams (one per partition).
 */
export async function recordStreamDepths(metrics: AppMetrics, redis: Redis, keys: string[]): Promise<void> {
  const totals = new Map<string, { pending: number; lag: number }>();
  const replies = await Promise.all(keys.map((key) => redis.xinfo('GROUPS', key).catch(() => []) as Promise<unknown[][]>));
  for (const fields of replies.flat()) {
    const info: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i += 2) info[String(fields[i])] = fields[i + 1];
    const total = totals.get(String(info.name)) ?? { pending: 0, lag: 0 };
    total.pending += Number(info.pending ?? 0);
    total.lag += Number(info.lag ?? 0);
    totals.set(String(info.name), total);
  }
  for (const [group, { pending, lag }] of totals) {
    metrics.eventStream.set({ group, state: 'pending' }, pending);
    metrics.eventStream.set({ group, state: 'lag' }, lag);
  }
}

/**
 * Reads the job counts of `queues` into `callback_queue_jobs` (at scrape time), the partitions
 * of a queue (`deliveries.p03`) summed under its name (`deliveries`).
 */
export async function recordQueueDepths(metrics: AppMetrics, queues: Queue[]): Promise<void> {
  const counts = await Promise.all(
    queues.map((queue) => queue.getJobCounts('wait', 'active', 'delayed', 'failed', 'completed', 'prioritized')),
  );
  const totals = new Map<string, Record<string, number>>();
  queues.forEach((queue, i) => {
    const name = queue.name.split('.')[0];
    const total = totals.get(name) ?? {};
    for (const [state, n] of Object.entries(counts[i])) total[state] = (total[state] ?? 0) + n;
    totals.set(name, total);
  });
  for (const [queue, states] of totals) for (const [state, n] of Object.entries(states)) metrics.queueJobs.set({ queue, state }, n);
}
