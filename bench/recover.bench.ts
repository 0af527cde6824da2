import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { DeliveryJobData, deliveryJobId, jobName, laneKey } from '@app/delivery';
import { connectRedis, deliveriesQueueName, loadConfig, Partitions } from '@app/platform';
import { createApiApp } from '../apps/api/src/create-api-app';
import { dropKeys } from '../test/support/redis-keys';

/**
 * What a bulk recover of 100,000 dead letters takes, and what it costs the api meanwhile
 * (issue 22): one `POST /management/v1/deliveries/recover` on an in-process api over dead
 * letters spread over every partition (a tenth of them on ordered lanes, ten per object), while
 * a client keeps reading one delivery through the same api. It reports the recover's time, the
 * api process's CPU and peak RSS, the event loop's delay, and the reader's latency before and
 * during it. No dispatcher runs: what is measured is the recover, not the deliveries it queues.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx ts-node --transpile-only -r tsconfig-paths/register bench/recover.bench.ts [count]
 *
 * The dead letters are written as BullMQ leaves a failed job (its hash and the failed set), in
 * pipelines, so seeding takes seconds rather than an outage's worth of real attempts.
 */
const COUNT = Number(process.argv[2] ?? 100_000);
const API_KEY = 'bench';
const ORDERED_SHARE = 10;
const PER_LANE = 10;

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const config = loadConfig({
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `bench-recover-${randomBytes(3).toString('hex')}`,
    MANAGEMENT_API_KEY: API_KEY,
    LOG_LEVEL: 'warn',
    COUNTERPARTY_MODE: 'manual',
  });
  const partitions = new Partitions(config.redisPrefix, config.redisPartitions);
  const redis = connectRedis(config.redisUrl);
  const uri = 'https://hooks.example/transfers';
  const failedAt = Date.now() - 60_000;

  console.log(`seeding ${COUNT} dead letters over ${partitions.count} partitions ...`);
  const seedStart = Date.now();
  for (let done = 0; done < COUNT;) {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 2_000 && done < COUNT; i++, done++) {
      const ordered = done % ORDERED_SHARE === 0;
      const entityId = ordered ? `lane-object-${Math.floor(done / (ORDERED_SHARE * PER_LANE))}` : randomUUID();
      const partition = partitions.of(entityId);
      const eventId = partitions.newId(partition);
      const id = deliveryJobId(eventId, uri);
      const data: DeliveryJobData = {
        eventId,
        eventType: 'TransferProcessStarted',
        entity: { kind: 'transferprocess', id: entityId },
        sequence: ordered ? (Math.floor(done / ORDERED_SHARE) % PER_LANE) + 1 : 1,
        endpoint: { uri },
        ...(ordered ? { lane: { key: laneKey(partitions, entityId, uri), onFailure: 'continue' as const } } : {}),
      };
      const queue = `${partition.tag}:${deliveriesQueueName(partition)}`;
      pipeline.hset(`${queue}:${id}`, {
        name: jobName(data),
        data: JSON.stringify(data),
        opts: JSON.stringify({ attempts: 8, backoff: { type: 'callback' } }),
        timestamp: failedAt - 1_000,
        processedOn: failedAt - 10,
        finishedOn: failedAt,
        attemptsMade: 8,
        atm: 8,
        ats: 8,
        failedReason: 'HTTP 503 (attempt 8 to https://hooks.example/transfers)',
      });
      pipeline.zadd(`${queue}:failed`, failedAt + (done % 1000), id);
    }
    await pipeline.exec();
  }
  console.log(`seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);

  const app = await createApiApp(config);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const headers = { 'x-api-key': API_KEY, 'content-type': 'application/json' };

  // A reader that keeps asking the api for one delivery (a log read, one partition).
  const readOnce = async () => {
    const t = performance.now();
    await (await fetch(`${base}/management/v1/deliveries?entityId=reader&limit=1`, { headers })).arrayBuffer();
    return performance.now() - t;
  };
  const baseline: number[] = [];
  for (let i = 0; i < 200; i++) baseline.push(await readOnce());

  const during: number[] = [];
  let reading = true;
  const reader = (async () => {
    while (reading) during.push(await readOnce());
  })();
  let peakRss = process.memoryUsage().rss;
  const rssBefore = peakRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const res = await fetch(`${base}/management/v1/deliveries/recover`, { method: 'POST', headers, body: JSON.stringify({ uri, since: 0 }) });
  const body = (await res.json()) as { recovered: number };
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  loop.disable();
  reading = false;
  await reader;
  clearInterval(sampler);

  baseline.sort((a, b) => a - b);
  during.sort((a, b) => a - b);
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  console.log(
    `recover: ${res.status} ${JSON.stringify(body)} in ${seconds.toFixed(1)} s (${Math.round(body.recovered / seconds)} dead letters/s)`,
  );
  console.log(
    `api process CPU during it: ${((used.user + used.system) / 1e6).toFixed(1)} s (${(((used.user + used.system) / 1e6 / seconds) * 100).toFixed(0)} % of one core)`,
  );
  console.log(`RSS: ${(rssBefore / 2 ** 20).toFixed(0)} MB before, ${(peakRss / 2 ** 20).toFixed(0)} MB peak`);
  console.log(`event loop delay: p50 ${ms(loop.percentile(50) / 1e6)}, p99 ${ms(loop.percentile(99) / 1e6)}, max ${ms(loop.max / 1e6)}`);
  console.log(`reader latency before: p50 ${ms(percentile(baseline, 50))}, p99 ${ms(percentile(baseline, 99))} (${baseline.length} reads)`);
  console.log(
    `reader latency during: p50 ${ms(percentile(during, 50))}, p99 ${ms(percentile(during, 99))}, max ${ms(during[during.length - 1] ?? 0)} (${during.length} reads)`,
  );

  await app.close();
  await dropKeys(config);
  await redis.quit();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
