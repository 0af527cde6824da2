// dropKeys (test/support) loads @app/platform, whose decorators need the metadata polyfill.
import 'reflect-metadata';
import Redis from 'ioredis';
import { bareClient } from './baseline-bare-client';
import { noopWorker } from './baseline-noop-worker';
import { simpleDispatcher } from './baseline-simple-dispatcher';
import { localRedisPid, machineLine, otherClients } from './redis-stats';
import { Outcome, Outcomes, printOutcomes } from './report';
import { drain } from './scenario-drain';
import { endToEndAgainstNaive } from './scenario-against-naive';
import { deadEndpoint } from './scenario-dead-endpoint';
import { latency } from './scenario-latency';
import { retryBacklog } from './scenario-retry-backlog';
import type { BenchContext, Measured } from './scenario-run';
import { slowReceiversScenario } from './scenario-slow-receivers';
import { REDIS_URL, SCALE, selected } from './settings';

/**
 * The delivery benchmarks of issues 11 and 26: three baselines and six scenarios (b with the
 * naive pair beside it), one after the other in one run, so every ratio compares figures of the
 * same machine at the same time. The product is driven only from outside (its HTTP API, its environment variables, its built processes, a
 * receiver) and measured with server-wide Redis figures and /proc, so the bench outlives any
 * rewrite of its internals. Baselines run first: the scenarios' bars are ratios to them.
 */
const STEPS: { id: string; name: string; run: (bench: BenchContext) => Promise<Measured & { companions?: Outcome[] }> }[] = [
  { id: 'i', name: 'bare keep-alive client -> receiver, 50 in flight', run: bareClient },
  { id: 'ii', name: 'BullMQ no-op worker, concurrency 50', run: noopWorker },
  { id: 'iii', name: 'simple dispatcher (bench/simple-dispatcher.ts)', run: simpleDispatcher },
  { id: 'a', name: 'drain: backlog, then 1 dispatcher', run: drain },
  { id: 'b', name: 'end to end: api + 1 dispatcher', run: endToEndAgainstNaive },
  { id: 'c', name: 'latency: 500 creates/s, open loop', run: latency },
  { id: 'd', name: 'slow receivers: 20 x 200 ms', run: slowReceiversScenario },
  { id: 'e', name: 'dead endpoint: as d, 1 of 20 never answers', run: deadEndpoint },
  { id: 'f', name: 'backlog: deliveries waiting on a retry', run: retryBacklog },
];

export async function runDeliveryBench(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    console.log(await machineLine(redis));
    console.log(
      `Delivery bench (issues 11 and 26), BENCH_SCALE=${SCALE}: api, dispatcher, receiver and the simple dispatcher are separate processes`,
    );
    const bench: BenchContext = { redis, redisPid: await localRedisPid(redis), outcomes: new Map() as Outcomes };
    const started = performance.now();
    for (const step of STEPS.filter((s) => selected(s.id))) {
      const t0 = performance.now();
      console.log(`  ${step.id}: ${step.name} ...`);
      // Each step has closed its connections before the next starts: any client now is someone else's.
      const others = await otherClients(redis);
      const shared =
        others > 0
          ? [
              `WARNING: ${others} other client(s) were connected to this Redis when it started; the server-wide Redis figures may count their work`,
            ]
          : [];
      try {
        const { companions, ...measured } = await step.run(bench);
        // Rows measured with the step (b's naive pair) go before its own.
        for (const row of companions ?? []) bench.outcomes.set(row.id, { ...row, notes: [...shared, ...row.notes] });
        bench.outcomes.set(step.id, { id: step.id, name: step.name, ...measured, notes: [...shared, ...measured.notes] });
      } catch (err) {
        // One scenario failing (a product process crashing, say) must not cost the others' figures.
        console.error(err);
        bench.outcomes.set(step.id, { id: step.id, name: step.name, checks: [], notes: [], error: (err as Error).message.split('\n')[0] });
      }
      console.log(`  ${step.id}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    printOutcomes(bench.outcomes);
    console.log('');
    console.log(
      `all in ${((performance.now() - started) / 1000).toFixed(1)} s; per s = events (or jobs) / seconds, see each row's notes for what is timed`,
    );
  } finally {
    redis.disconnect();
  }
}
