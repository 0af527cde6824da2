import { bar, mb, pct, perSecond } from './report';
import { BenchContext, Measured, withRun } from './scenario-run';
import { ANSWER_MS, ENDPOINTS, slowReceivers } from './slow-receivers';

/**
 * Scenario d, slow receivers: 20 endpoints answering after 200 ms, one dispatcher with the
 * product's defaults. Real receivers are that slow, so deliveries/s is in flight / latency: the
 * bars want thousands in flight from one replica, in bounded memory.
 */
export function slowReceiversScenario(bench: BenchContext): Promise<Measured> {
  return withRun(bench, 'd', async (run) => {
    const r = await slowReceivers(bench, run, false);
    const ceiling = r.limit / (ANSWER_MS / 1000);
    return {
      count: r.received,
      seconds: r.seconds,
      checks: [
        bar(`deliveries/s to ${ENDPOINTS} endpoints answering in ${ANSWER_MS} ms`, r.rate, '>=', 2000, perSecond),
        bar(
          `share of in-flight limit / ${ANSWER_MS / 1000} s (${r.limit} / ${ANSWER_MS / 1000} = ${perSecond(ceiling)})`,
          r.rate / ceiling,
          '>=',
          0.75,
          pct,
        ),
        bar('dispatcher peak RSS', r.peakRssMb, '<=', 300, mb),
      ],
      notes: r.notes,
      figures: { rateOf19: r.rateOf19 },
    };
  });
}
