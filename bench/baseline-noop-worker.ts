import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { bullConnection, DeliveryJob, fillQueue } from './bullmq-backlog';
import { CpuMeter } from './process-stats';
import { commandStats, perEvent } from './redis-stats';
import type { BenchContext, Measured } from './scenario-run';
import { BASELINE_CONCURRENCY, receiptTimeoutMs, scaled, WARMUP } from './settings';

/** Jobs of baselines (ii) and (iii), and events of scenario a which is compared with them. */
export const DRAIN_EVENTS = scaled(20_000, 200);

/**
 * Baseline (ii): what a queue alone costs. A BullMQ worker with a no-op processor, concurrency
 * 50, in the bench process, drains jobs added before it started; timed from its start to the
 * last completion.
 */
export async function noopWorker(bench: BenchContext): Promise<Measured> {
  const connection = bullConnection();
  const queue = new Queue<DeliveryJob>('noop', { connection, prefix: `bench-noop-${randomBytes(4).toString('hex')}` });
  const drain = async (n: number) => {
    let done = 0;
    let t1 = 0;
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const worker = new Worker<DeliveryJob>(queue.name, async () => undefined, {
      connection,
      prefix: queue.opts.prefix,
      concurrency: BASELINE_CONCURRENCY,
      autorun: false,
    });
    worker.on('completed', () => {
      if (++done < n) return;
      t1 = Date.now();
      finish();
    });
    await worker.waitUntilReady();
    const t0 = Date.now();
    void worker.run();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise((resolve) => (timer = setTimeout(resolve, receiptTimeoutMs(n))))]);
    clearTimeout(timer);
    await worker.close();
    return { done, seconds: ((t1 || Date.now()) - t0) / 1000 };
  };
  try {
    await fillQueue(queue, WARMUP, 'http://127.0.0.1:9/cb');
    await drain(WARMUP);
    await fillQueue(queue, DRAIN_EVENTS, 'http://127.0.0.1:9/cb');
    const before = await commandStats(bench.redis);
    const cpu = new CpuMeter([{ name: 'redis', pid: bench.redisPid }]);
    const run = await drain(DRAIN_EVENTS);
    const per = perEvent(before, await commandStats(bench.redis), run.done, 'per job');
    return {
      count: run.done,
      seconds: run.seconds,
      checks: [],
      notes: [
        `${DRAIN_EVENTS.toLocaleString('en-US')} jobs (BullMQ's default options) added before the worker started`,
        cpu.report(run.seconds),
        per.text,
      ],
    };
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  }
}
