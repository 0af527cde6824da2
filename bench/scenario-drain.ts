import { DRAIN_EVENTS } from './baseline-noop-worker';
import { Creator, describeCreates } from './load';
import { sampleQueuePeaks } from './metrics-sampler';
import { inFlightLimit } from './product-processes';
import { productCpuMeter } from './process-stats';
import { totals } from './receiver-handle';
import { commandStats, perEvent, waitForQuiet } from './redis-stats';
import { bar, rateOf, times } from './report';
import { BenchContext, Measured, withRun } from './scenario-run';
import { receiptTimeoutMs } from './settings';

const CREATE_CONCURRENCY = 128;

/**
 * Scenario a, drain: events created through the api while no dispatcher runs, then one
 * dispatcher (the product's defaults) started against the backlog and a fast receiver. Timed
 * from the first receipt to the last, as baseline (iii) drains the same number of jobs.
 */
export function drain(bench: BenchContext): Promise<Measured> {
  return withRun(bench, 'a', async (run) => {
    const receiver = await run.receiver();
    const api = await run.api();
    const creator = new Creator(api.port, CREATE_CONCURRENCY);
    const created = await creator.many(DRAIN_EVENTS, CREATE_CONCURRENCY, () => `${receiver.url()}/cb`).finally(() => creator.close());
    // Whatever the api does with a committed event before a dispatcher takes it, let it finish.
    const quiet = await waitForQuiet(bench.redis);
    const expected = created.sent - created.refused;

    const before = await commandStats(bench.redis);
    const spawnedAt = Date.now();
    const dispatcher = await run.dispatcher();
    const peaks = sampleQueuePeaks(dispatcher.port);
    await receiver.waitFor(1, receiptTimeoutMs(0));
    const cpu = productCpuMeter({
      api: api.child.pid,
      dispatcher: dispatcher.child.pid,
      redis: bench.redisPid,
      receiver: receiver.child.pid,
    });
    const complete = await receiver.waitFor(expected, receiptTimeoutMs(expected));
    const got = totals(await receiver.stats());
    const seconds = (got.lastAt - got.firstAt) / 1000;
    const cpuLine = cpu.report(seconds);
    const peakLine = await peaks.stop();
    await waitForQuiet(bench.redis, 15_000);
    const per = perEvent(
      before,
      await commandStats(bench.redis),
      got.unique,
      "per event from the dispatcher's start on (the creates not counted)",
    );

    const notes = [
      `${describeCreates(created, CREATE_CONCURRENCY)}, no dispatcher running`,
      `dispatcher with the product's defaults, ${inFlightLimit(dispatcher).text}; start-up (spawn to first receipt) ${((got.firstAt - spawnedAt) / 1000).toFixed(2)} s`,
      peakLine,
      cpuLine,
      per.text,
    ];
    if (!quiet)
      notes.unshift('WARNING: Redis did not go quiet after the creates; the dispatcher started while the api may still have been working');
    if (!complete) notes.unshift(`WARNING: only ${got.unique} of ${expected} events arrived within ${receiptTimeoutMs(expected) / 1000} s`);
    if (got.duplicates) notes.push(`${got.duplicates} duplicate receipts`);
    const rate = got.unique / seconds;
    const simple = rateOf(bench.outcomes.get('iii'));
    return {
      count: got.unique,
      seconds,
      checks: [bar('drain rate against the simple dispatcher (iii)', simple && rate / simple, '>=', 1.25, times)],
      notes,
    };
  });
}
