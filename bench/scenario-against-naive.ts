import os from 'node:os';
import { Creator, describeCreates } from './load';
import { cpuSeconds } from './process-stats';
import { totals } from './receiver-handle';
import { commandStats, perEvent, waitForQuiet } from './redis-stats';
import { bar, Outcome, percentile, times } from './report';
import { BenchContext, Measured, withRun } from './scenario-run';
import { receiptTimeoutMs, scaled, WARMUP } from './settings';

/** Creates of each round of scenario b (issue 26 measured 5,000, two rounds a side). */
export const END_TO_END_EVENTS = scaled(5_000, 200);
const CREATE_CONCURRENCY = 64;
/** BENCH_ROUNDS (default 2): rounds of each side, alternating, naive pair first. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
if (!(ROUNDS >= 1)) throw new Error(`BENCH_ROUNDS must be a number >= 1, got "${process.env.BENCH_ROUNDS}"`);

type Side = 'product' | 'naive';

interface Round {
  side: Side;
  events: number;
  seconds: number;
  /** CPU seconds over the round, from the first create until Redis is quiet after the last receipt. */
  api: number;
  deliverer: number;
  redis?: number;
  commands: number;
  scripts: number;
  latencies: number[];
  text: string;
}

const us = (seconds: number | undefined, events: number) => (seconds === undefined ? '?' : `${Math.round((seconds / events) * 1e6)} µs`);

/**
 * One round of one side: its api and its deliverer (the product's dispatcher with its defaults,
 * or the naive worker), a fast receiver, WARMUP untimed events, then END_TO_END_EVENTS creates
 * with 64 in flight, timed from the first create to the last receipt. CPU is each process's
 * user + system time from /proc over the creates and until Redis is quiet again (so the work that
 * follows the last receipt, a delivery log write or a completed job, counts); Redis commands are
 * the server-wide INFO commandstats delta over the same span.
 */
function round(bench: BenchContext, side: Side, index: number): Promise<Round> {
  return withRun(bench, `b-${side}${index}`, async (run) => {
    const receiver = await run.receiver();
    const api = side === 'product' ? await run.api() : await run.naiveApi();
    const deliverer = side === 'product' ? await run.dispatcher() : await run.naiveWorker();
    const uri = `${receiver.url()}/cb`;
    const creator = new Creator(api.port, CREATE_CONCURRENCY);
    try {
      await creator.many(WARMUP, CREATE_CONCURRENCY, () => uri);
      if (!(await receiver.waitFor(WARMUP, receiptTimeoutMs(WARMUP))))
        throw new Error(`warm-up: ${totals(await receiver.stats()).unique} of ${WARMUP} events arrived`);
      await waitForQuiet(bench.redis, 15_000);
      await receiver.reset();

      const load = os.loadavg()[0];
      const cpu = () => [cpuSeconds(api.child.pid), cpuSeconds(deliverer.child.pid), cpuSeconds(bench.redisPid)];
      const before = await commandStats(bench.redis);
      const cpuBefore = cpu();
      const t0 = Date.now();
      const created = await creator.many(END_TO_END_EVENTS, CREATE_CONCURRENCY, () => uri);
      const expected = created.sent - created.refused;
      const complete = await receiver.waitFor(expected, receiptTimeoutMs(expected));
      const stats = await receiver.stats();
      const got = totals(stats);
      const seconds = ((complete ? got.lastAt : Date.now()) - t0) / 1000;
      const quiet = await waitForQuiet(bench.redis, 15_000);
      const cpuAfter = cpu();
      const per = perEvent(before, await commandStats(bench.redis), got.unique);
      const [apiCpu, delivererCpu, redisCpu] = cpuAfter.map((after, i) =>
        after === undefined || cpuBefore[i] === undefined ? undefined : after - cpuBefore[i]!,
      );
      const warnings = [
        complete ? '' : `WARNING: only ${got.unique} of ${expected} events arrived`,
        quiet ? '' : 'WARNING: Redis did not go quiet afterwards',
        got.duplicates ? `${got.duplicates} duplicate receipts` : '',
        created.refused ? describeCreates(created, CREATE_CONCURRENCY) : '',
      ].filter(Boolean);
      return {
        side,
        events: got.unique,
        seconds,
        api: apiCpu ?? NaN,
        deliverer: delivererCpu ?? NaN,
        redis: redisCpu,
        commands: per.commands,
        scripts: per.scripts,
        latencies: stats.latencies,
        text:
          `round ${index} (load average ${load.toFixed(1)}): ${got.unique.toLocaleString('en-US')} events in ${seconds.toFixed(2)} s = ${Math.round(got.unique / seconds).toLocaleString('en-US')}/s; ` +
          `CPU per event: ${api.name} ${us(apiCpu, got.unique)}, ${deliverer.name} ${us(delivererCpu, got.unique)}, Redis ${us(redisCpu, got.unique)}; ` +
          `${per.text}${warnings.length ? `; ${warnings.join('; ')}` : ''}`,
      };
    } finally {
      creator.close();
    }
  });
}

/** The rounds of one side, summed: rate over all their events and seconds, CPU per event over all their events. */
function sum(rounds: Round[]) {
  const events = rounds.reduce((n, r) => n + r.events, 0);
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  const per = (f: (r: Round) => number | undefined) => {
    const values = rounds.map(f);
    return values.some((v) => v === undefined || Number.isNaN(v)) ? undefined : values.reduce((n: number, v) => n + v!, 0) / events;
  };
  const latencies = rounds.flatMap((r) => r.latencies);
  return {
    events,
    seconds,
    rate: events / seconds,
    api: per((r) => r.api),
    deliverer: per((r) => r.deliverer),
    redis: per((r) => r.redis),
    commands: per((r) => r.commands * r.events),
    scripts: per((r) => r.scripts * r.events),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  };
}

/**
 * Scenario b, end to end against the naive pair (issue 26): the product (api + one dispatcher,
 * its defaults) and the naive pair (bench/naive-pair: a NestJS api on Express with
 * class-validator and one BullMQ job per callback address, a NestJS BullMQ worker posting with
 * axios) measured the same way in the same run, rounds alternating so that the load other
 * processes put on the machine falls on both. The bars are ratios of the two, so they hold on a
 * loaded machine where absolute rates do not.
 */
export async function endToEndAgainstNaive(bench: BenchContext): Promise<Measured & { companions: Outcome[] }> {
  const rounds: Round[] = [];
  for (let i = 1; i <= ROUNDS; i++) for (const side of ['naive', 'product'] as const) rounds.push(await round(bench, side, i));
  const product = sum(rounds.filter((r) => r.side === 'product'));
  const naive = sum(rounds.filter((r) => r.side === 'naive'));
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || !b ? undefined : a / b);
  const cpuLine = (s: ReturnType<typeof sum>, api: string, deliverer: string) =>
    `over all rounds: ${s.events.toLocaleString('en-US')} events in ${s.seconds.toFixed(2)} s; CPU per event ${api} ${us(s.api, 1)}, ${deliverer} ${us(s.deliverer, 1)}, Redis ${us(s.redis, 1)}; ` +
    `Redis commands per event ${s.commands?.toFixed(1)} (${s.scripts?.toFixed(2)} scripts)`;
  const naiveOutcome: Outcome = {
    id: 'n',
    name: 'naive pair end to end (bench/naive-pair)',
    count: naive.events,
    seconds: naive.seconds,
    p50: naive.p50,
    p99: naive.p99,
    checks: [],
    notes: [
      `${END_TO_END_EVENTS.toLocaleString('en-US')} creates a round, ${CREATE_CONCURRENCY} in flight, after ${WARMUP} untimed; naive api (NestJS, Express, class-validator) + naive worker (NestJS BullMQ, concurrency 50, axios)`,
      ...rounds.filter((r) => r.side === 'naive').map((r) => r.text),
      cpuLine(naive, 'naive api', 'naive worker'),
    ],
  };
  return {
    count: product.events,
    seconds: product.seconds,
    p50: product.p50,
    p99: product.p99,
    companions: [naiveOutcome],
    checks: [
      bar('end-to-end rate against the naive pair (n)', ratio(product.rate, naive.rate), '>=', 1.5, times),
      bar("api CPU per create against the naive api's", ratio(product.api, naive.api), '<=', 0.6, times),
      bar("dispatcher CPU per delivered event against the naive worker's", ratio(product.deliverer, naive.deliverer), '<=', 0.6, times),
      bar('Redis commands per event', product.commands, '<=', 15, (n) => n.toFixed(1)),
      bar('Lua script calls per event', product.scripts, '<=', 3),
    ],
    notes: [
      `the same creates as n, rounds alternating with n's (naive first); api + 1 dispatcher with the product's defaults`,
      ...rounds.filter((r) => r.side === 'product').map((r) => r.text),
      cpuLine(product, 'api', 'dispatcher'),
    ],
  };
}
