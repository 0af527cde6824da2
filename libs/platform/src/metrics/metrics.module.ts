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

/** Reads each consumer group's lag and pending entries into `callback_event_stream_entries`. */
export async function recordStreamDepths(metrics: AppMetrics, redis: Redis, key: string): Promise<void> {
  const groups = (await redis.xinfo('GROUPS', key).catch(() => [])) as unknown[][];
  for (const fields of groups) {
    const info: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i += 2) info[String(fields[i])] = fields[i + 1];
    metrics.eventStream.set({ group: String(info.name), state: 'pending' }, Number(info.pending ?? 0));
    metrics.eventStream.set({ group: String(info.name), state: 'lag' }, Number(info.lag ?? 0));
  }
}

/** Reads the job counts of `queues` into `callback_queue_jobs` (at scrape time). */
export async function recordQueueDepths(metrics: AppMetrics, queues: Queue[]): Promise<void> {
  const counts = await Promise.all(queues.map((queue) => queue.getJobCounts('wait', 'active', 'delayed', 'failed', 'completed', 'prioritized')));
  queues.forEach((queue, i) => {
    for (const [state, n] of Object.entries(counts[i])) metrics.queueJobs.set({ queue: queue.name, state }, n);
  });
}
