import { BARE_CLIENT_EVENTS } from './baseline-bare-client';
import { Creator, describeCreates } from './load';
import { sampleQueuePeaks } from './metrics-sampler';
import { inFlightLimit } from './product-processes';
import { productCpuMeter } from './process-stats';
import { totals } from './receiver-handle';
import { commandStats, perEvent, waitForQuiet } from './redis-stats';
import { bar, percentile, rateOf, times } from './report';
import { BenchContext, Measured, withRun } from './scenario-run';
import { receiptTimeoutMs, WARMUP } from './settings';

const CREATE_CONCURRENCY = 64;

/**
 * Scenario b, end to end: creates through the api (64 in flight) while one dispatcher (the
 * product's defaults) delivers to a fast receiver; timed from the first create to the last
 * receipt, after untimed warm-up events. Redis work per event is the server-wide INFO
 * commandstats delta from before the first create until Redis is quiet again (so the work that
 * follows the last receipt is counted too).
 */
export function endToEnd(bench: BenchContext): Promise<Measured> {
  return withRun(bench, 'b', async (run) => {
    const receiver = await run.receiver();
    const api = await run.api();
    const dispatcher = await run.dispatcher();
    const uri = `${receiver.url()}/cb`;
    const creator = new Creator(api.port, CREATE_CONCURRENCY);
    try {
      await creator.many(WARMUP, CREATE_CONCURRENCY, () => uri);
      if (!(await receiver.waitFor(WARMUP, receiptTimeoutMs(WARMUP))))
        throw new Error(`warm-up: ${totals(await receiver.stats()).unique} of ${WARMUP} events arrived`);
      await waitForQuiet(bench.redis, 15_000);
      await receiver.reset();

      const before = await commandStats(bench.redis);
      const cpu = productCpuMeter({
        api: api.child.pid,
        dispatcher: dispatcher.child.pid,
        redis: bench.redisPid,
        receiver: receiver.child.pid,
      });
      const peaks = sampleQueuePeaks(dispatcher.port);
      const t0 = Date.now();
      const created = await creator.many(BARE_CLIENT_EVENTS, CREATE_CONCURRENCY, () => uri);
      const expected = created.sent - created.refused;
      const complete = await receiver.waitFor(expected, receiptTimeoutMs(expected));
      const stats = await receiver.stats();
      const got = totals(stats);
      const seconds = ((complete ? got.lastAt : Date.now()) - t0) / 1000;
      const cpuLine = cpu.report(seconds);
      const peakLine = await peaks.stop();
      const quiet = await waitForQuiet(bench.redis, 15_000);
      const per = perEvent(before, await commandStats(bench.redis), got.unique);

      const notes = [
        `${describeCreates(created, CREATE_CONCURRENCY)}; last receipt ${((got.lastAt - t0) / 1000 - created.seconds).toFixed(2)} s after the last create was answered`,
        `dispatcher with the product's defaults, ${inFlightLimit(dispatcher).text}`,
        peakLine,
        cpuLine,
        per.text + (quiet ? '' : ' (WARNING: Redis did not go quiet afterwards; work still going on is not all counted)'),
      ];
      if (!complete)
        notes.unshift(`WARNING: only ${got.unique} of ${expected} events arrived within ${receiptTimeoutMs(expected) / 1000} s`);
      if (got.duplicates) notes.push(`${got.duplicates} duplicate receipts`);
      const bare = rateOf(bench.outcomes.get('i'));
      const rate = got.unique / seconds;
      return {
        count: got.unique,
        seconds,
        p50: percentile(stats.latencies, 0.5),
        p99: percentile(stats.latencies, 0.99),
        checks: [
          bar('end-to-end rate against the bare client (i)', bare && rate / bare, '>=', 0.3, times),
          bar('Lua script calls per event', per.scripts, '<=', 3),
          bar('Redis commands per event', per.commands, '<=', 40, (n) => n.toFixed(1)),
        ],
        notes,
      };
    } finally {
      creator.close();
    }
  });
}
