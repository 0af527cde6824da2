import { Creator, describeCreates } from './load';
import { sampleQueuePeaks } from './metrics-sampler';
import { inFlightLimit } from './product-processes';
import { productCpuMeter, memoryMb } from './process-stats';
import { totals } from './receiver-handle';
import { waitForQuiet } from './redis-stats';
import { BenchContext, ScenarioRun } from './scenario-run';
import { scaled, SCALE } from './settings';

export const ENDPOINTS = 20;
export const ANSWER_MS = 200;
/** A multiple of ENDPOINTS, so every endpoint gets as many events. */
const BACKLOG = Math.ceil(scaled(20_000, 1_000) / ENDPOINTS) * ENDPOINTS;
/**
 * The longest the delivery rate is measured. At full size the backlog outlasts it below about
 * 670 deliveries/s; a faster dispatcher drains it sooner, and the rate is then taken to the last receipt.
 */
const WINDOW_MS = Math.max(5, 30 * SCALE) * 1000;
const CREATE_CONCURRENCY = 128;
/**
 * BENCH_D_CONCURRENCY (unset by default): the dispatcher of d and e runs with this
 * DISPATCH_CONCURRENCY instead of the product's default (500), to show what one replica does with
 * another limit; the run says so.
 */
const CONCURRENCY = process.env.BENCH_D_CONCURRENCY;
if (CONCURRENCY !== undefined && !(Number(CONCURRENCY) >= 1))
  throw new Error(`BENCH_D_CONCURRENCY must be a number >= 1, got "${CONCURRENCY}"`);

export interface SlowReceiversResult {
  limit: number;
  /** Deliveries per second to all live endpoints, and to endpoints 1 to 19 alone (never the dead one). */
  rate: number;
  rateOf19: number;
  received: number;
  seconds: number;
  peakRssMb?: number;
  notes: string[];
}

/**
 * Scenarios d and e: ENDPOINTS endpoints, each a port of its own (a host of its own to the
 * dispatcher's per-host limits), answering after ANSWER_MS, endpoint 0 never answering when
 * `deadEndpoint`. A backlog spread evenly over them is created with no dispatcher running, then
 * one dispatcher with the product's defaults (no DISPATCH_* variable; BENCH_D_CONCURRENCY sets
 * DISPATCH_CONCURRENCY) delivers it. The rate is
 * taken from the first receipt until every live endpoint has all its events or WINDOW_MS has
 * passed, whichever comes first; with the backlog not yet drained, in flight is what limits it.
 */
export async function slowReceivers(bench: BenchContext, run: ScenarioRun, deadEndpoint: boolean): Promise<SlowReceiversResult> {
  const receiver = await run.receiver({ ports: ENDPOINTS, delayMs: ANSWER_MS, deadPorts: deadEndpoint ? [0] : [] });
  const api = await run.api();
  const creator = new Creator(api.port, CREATE_CONCURRENCY);
  const created = await creator
    .many(BACKLOG, CREATE_CONCURRENCY, (i) => `${receiver.url(i % ENDPOINTS)}/cb`)
    .finally(() => creator.close());
  const quiet = await waitForQuiet(bench.redis);

  const dispatcher = await run.dispatcher(CONCURRENCY === undefined ? {} : { DISPATCH_CONCURRENCY: CONCURRENCY });
  const peaks = sampleQueuePeaks(dispatcher.port);
  const live = Array.from({ length: ENDPOINTS }, (_, i) => i).filter((i) => !deadEndpoint || i !== 0);
  const endpoints1to19 = live.filter((i) => i !== 0);
  const cpu = productCpuMeter({
    api: api.child.pid,
    dispatcher: dispatcher.child.pid,
    redis: bench.redisPid,
    receiver: receiver.child.pid,
  });
  const expected = (BACKLOG / ENDPOINTS) * live.length - created.refused;
  const drained = await receiver.waitFor(expected, WINDOW_MS, live);
  const stats = await receiver.stats();
  const takenAt = Date.now();
  const all = totals(stats, live);
  const end = drained ? all.lastAt : takenAt;
  const seconds = (end - all.firstAt) / 1000;
  const memory = memoryMb(dispatcher.child.pid);
  const peakLine = await peaks.stop();
  const { limit, text: limitText } = inFlightLimit(dispatcher);

  const notes = [
    `${describeCreates(created, CREATE_CONCURRENCY)}, no dispatcher running; ${(BACKLOG / ENDPOINTS).toLocaleString('en-US')} per endpoint`,
    drained
      ? `the live endpoints' backlog was drained after ${seconds.toFixed(1)} s, within the ${WINDOW_MS / 1000} s window: its last ${ANSWER_MS} ms had fewer in flight, so the rate slightly understates`
      : `${all.unique.toLocaleString('en-US')} delivered in the ${seconds.toFixed(1)} s window; the backlog was not drained, so work was always waiting for a free slot`,
    `${CONCURRENCY === undefined ? '' : 'NOT the default: BENCH_D_CONCURRENCY set DISPATCH_CONCURRENCY; '}${limitText}; ${limit} / ${ANSWER_MS / 1000} s = ${Math.round(limit / (ANSWER_MS / 1000)).toLocaleString('en-US')}/s at most`,
    `dispatcher memory: peak (VmHWM) ${memory ? memory.peak.toFixed(0) : '?'} MB, at the end ${memory ? memory.now.toFixed(0) : '?'} MB`,
    peakLine,
    cpu.report(seconds),
  ];
  if (!quiet)
    notes.unshift('WARNING: Redis did not go quiet after the creates; the dispatcher started while the api may still have been working');
  if (deadEndpoint)
    notes.push(
      `the dead endpoint 0 was sent ${stats.ports[0].unique.toLocaleString('en-US')} distinct events by the time the rate was read (none answered)`,
    );
  if (all.duplicates) notes.push(`${all.duplicates} duplicate receipts`);
  return {
    limit,
    rate: all.unique / seconds,
    rateOf19: totals(stats, endpoints1to19).unique / seconds,
    received: all.unique,
    seconds,
    peakRssMb: memory?.peak,
    notes,
  };
}
