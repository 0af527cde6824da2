import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import Redis, { Cluster } from 'ioredis';
import { connectRedis, isCluster } from '@app/platform';
import { dropKeys } from '../test/support/redis-keys';
import { Creator, describeCreates } from './load';
import { startApi, startDispatcher, stopApp } from './product-processes';
import { ReceiverHandle } from './receiver-handle';
import { commandStats, machineLine, perEvent, waitForQuiet } from './redis-stats';
import { REDIS_URL } from './settings';

/**
 * Redis CPU per event, per shard (docs/operations.md, "Redis Cluster: partitions, sizing,
 * failover"): the built api and one dispatcher, as ops run them, against the cluster of
 * REDIS_URL (a single Redis works too: one shard); a burst of creates, each one event delivered
 * to a receiver; each master's `used_cpu_sys + used_cpu_user` before and after. What the masters
 * burn while idle over the same time (the dispatcher's blocking reads, BullMQ's timers) is
 * measured first and taken off, so the figure is the cost of the events themselves.
 *
 *   npm run build
 *   REDIS_URL=$(scripts/redis-cluster.sh start) npx ts-node --transpile-only -r tsconfig-paths/register bench/cluster-sizing.ts
 *   scripts/redis-cluster.sh stop
 *
 * SIZING_EVENTS (default 5000) and SIZING_CONCURRENCY (creates in flight, default 32) size it.
 * An event is one create (COUNTERPARTY_MODE=manual: TransferProcessInitiated only) to one endpoint.
 */
const EVENTS = Number(process.env.SIZING_EVENTS ?? 5000);
const CONCURRENCY = Number(process.env.SIZING_CONCURRENCY ?? 32);
const WARMUP = 300;
const IDLE_MS = 5000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Seconds of CPU the server has used, system and user. */
async function cpuSeconds(node: Redis): Promise<number> {
  const info = await node.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return field('used_cpu_sys') + field('used_cpu_user');
}

const name = (node: Redis) => `${node.options.host}:${node.options.port}`;

async function main(): Promise<void> {
  const redis = connectRedis(REDIS_URL);
  await redis.ping();
  const masters: Redis[] = isCluster(redis) ? (redis as unknown as Cluster).nodes('master') : [redis];
  const prefix = `sizing-${randomBytes(3).toString('hex')}`;
  console.log(`Redis CPU per event per shard: ${masters.length} master(s) at ${REDIS_URL}`);
  console.log(await machineLine(masters[0]));

  const receiver = await ReceiverHandle.start({ ports: 1 });
  const api = await startApi(prefix);
  const dispatcher = await startDispatcher(prefix);
  const creator = new Creator(api.port, CONCURRENCY);
  const uri = `${receiver.url(0)}/sizing`;
  try {
    // Warm: scripts loaded on every master, connections open, JIT done.
    await creator.many(WARMUP, CONCURRENCY, () => uri);
    if (!(await receiver.waitFor(WARMUP, 60_000))) throw new Error('the warm-up events were not delivered');
    for (const node of masters) await waitForQuiet(node, 30_000);

    // Idle cost: what the masters use with the apps running and no events.
    const idle0 = await Promise.all(masters.map(cpuSeconds));
    await sleep(IDLE_MS);
    const idle1 = await Promise.all(masters.map(cpuSeconds));
    const idlePerSecond = idle1.map((c, i) => (c - idle0[i]) / (IDLE_MS / 1000));

    await receiver.reset();
    const stats0 = await Promise.all(masters.map(commandStats));
    const cpu0 = await Promise.all(masters.map(cpuSeconds));
    const t0 = Date.now();
    const created = await creator.many(EVENTS, CONCURRENCY, () => uri);
    if (!(await receiver.waitFor(EVENTS, 60_000 + EVENTS * 10))) throw new Error(`not all ${EVENTS} events were delivered`);
    const deliveredSeconds = (Date.now() - t0) / 1000;
    // Until the apps have finished what the events set off (acknowledgements, delivery log).
    for (const node of masters) await waitForQuiet(node, 30_000);
    const seconds = (Date.now() - t0) / 1000;
    const cpu1 = await Promise.all(masters.map(cpuSeconds));
    const stats1 = await Promise.all(masters.map(commandStats));

    console.log(
      `${describeCreates(created, CONCURRENCY)}; all ${EVENTS} delivered after ${deliveredSeconds.toFixed(1)} s, Redis quiet after ${seconds.toFixed(1)} s`,
    );
    let total = 0;
    let totalIdle = 0;
    for (const [i, node] of masters.entries()) {
      const used = cpu1[i] - cpu0[i];
      const idle = idlePerSecond[i] * seconds;
      total += used;
      totalIdle += idle;
      console.log(`  ${name(node)}: ${(used * 1000).toFixed(0)} ms CPU (${((idle * 1000) / seconds).toFixed(1)} ms/s of it idle cost)`);
    }
    // Every event is written, read and acknowledged on the one shard of its partition: the
    // cluster's CPU over all events is the CPU one event costs its shard.
    const perEventUs = ((total - totalIdle) / EVENTS) * 1e6;
    const grossUs = (total / EVENTS) * 1e6;
    console.log(`Redis CPU per event on its shard: ${perEventUs.toFixed(0)} µs (${grossUs.toFixed(0)} µs with the idle cost)`);
    console.log(
      `=> one shard's core saturates at about ${Math.round(1e6 / perEventUs).toLocaleString('en-US')} events/s; plan for 60% of it: ${Math.round((0.6 * 1e6) / perEventUs).toLocaleString('en-US')} events/s per shard`,
    );
    const allBefore = new Map<string, number>();
    const allAfter = new Map<string, number>();
    for (const [i] of masters.entries()) {
      for (const [cmd, n] of stats0[i]) allBefore.set(cmd, (allBefore.get(cmd) ?? 0) + n);
      for (const [cmd, n] of stats1[i]) allAfter.set(cmd, (allAfter.get(cmd) ?? 0) + n);
    }
    console.log(perEvent(allBefore, allAfter, EVENTS).text);
  } finally {
    creator.close();
    await stopApp(dispatcher);
    await stopApp(api);
    await receiver.stop();
    await dropKeys({ redisUrl: REDIS_URL, redisPrefix: prefix });
    redis.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
