import { Creator } from './load';
import { inFlightLimit } from './product-processes';
import { productCpuMeter } from './process-stats';
import { totals } from './receiver-handle';
import { waitForQuiet } from './redis-stats';
import { bar, ms, percentile } from './report';
import { BenchContext, Measured, withRun } from './scenario-run';
import { receiptTimeoutMs, SCALE, WARMUP } from './settings';

const CREATES_PER_SECOND = 500;
const SECONDS = Math.max(2, 20 * SCALE);

/**
 * Scenario c, latency: 500 creates a second (issue 26; 200 in issue 11) for 20 s, each sent on its schedule (open loop: a
 * slow answer delays nothing), api + one dispatcher (the product's defaults), fast receiver.
 * Latency is from the state change to its receipt: the envelope's `at` is taken when the api
 * builds the event, and the receiver computes `Date.now() - at` on arrival.
 */
export function latency(bench: BenchContext): Promise<Measured> {
  return withRun(bench, 'c', async (run) => {
    const receiver = await run.receiver();
    const api = await run.api();
    const dispatcher = await run.dispatcher();
    const uri = `${receiver.url()}/cb`;
    // No socket limit: a create waiting for a free socket would reach the api late, and its
    // delay would escape the latency, which starts when the api builds the event.
    const creator = new Creator(api.port, Infinity);
    try {
      await creator.many(WARMUP, 64, () => uri);
      if (!(await receiver.waitFor(WARMUP, receiptTimeoutMs(WARMUP))))
        throw new Error(`warm-up: ${totals(await receiver.stats()).unique} of ${WARMUP} events arrived`);
      await waitForQuiet(bench.redis, 15_000);
      await receiver.reset();

      const cpu = productCpuMeter({
        api: api.child.pid,
        dispatcher: dispatcher.child.pid,
        redis: bench.redisPid,
        receiver: receiver.child.pid,
      });
      const t0 = Date.now();
      const paced = await creator.paced(CREATES_PER_SECOND, SECONDS, uri);
      const expected = paced.sent - paced.refused;
      const complete = await receiver.waitFor(expected, receiptTimeoutMs(expected));
      const stats = await receiver.stats();
      const got = totals(stats);
      const p50 = percentile(stats.latencies, 0.5);
      const p99 = percentile(stats.latencies, 0.99);
      const answer = (p: number) => percentile(paced.answerMs, p)!.toFixed(1);
      const notes = [
        `${paced.sent.toLocaleString('en-US')} creates at ${CREATES_PER_SECOND}/s for ${SECONDS} s (schedule at most ${paced.maxLagMs.toFixed(0)} ms late); ` +
          `create answered p50 ${answer(0.5)} ms, p99 ${answer(0.99)} ms, max ${paced.answerMs.reduce((a, b) => Math.max(a, b), 0).toFixed(1)} ms`,
        `create to receipt: p50 ${p50} ms, p90 ${percentile(stats.latencies, 0.9)} ms, p99 ${p99} ms, max ${stats.latencies.reduce((a, b) => Math.max(a, b), 0)} ms`,
        `dispatcher with the product's defaults, ${inFlightLimit(dispatcher).text}`,
        cpu.report((got.lastAt - t0) / 1000),
      ];
      if (paced.refused) notes.unshift(`WARNING: ${paced.refused} creates refused, first: ${paced.firstRefusal}`);
      if (!complete)
        notes.unshift(`WARNING: only ${got.unique} of ${expected} events arrived within ${receiptTimeoutMs(expected) / 1000} s`);
      return { count: got.unique, p50, p99, checks: [bar('p99 create to receipt', p99, '<=', 25, ms)], notes };
    } finally {
      creator.close();
    }
  });
}
