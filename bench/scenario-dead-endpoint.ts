import { bar, pct, perSecond } from './report';
import { BenchContext, Measured, withRun } from './scenario-run';
import { ENDPOINTS, slowReceivers } from './slow-receivers';

/**
 * Scenario e, a dead endpoint: as d, but endpoint 0 never answers (its attempts end only at the
 * dispatcher's timeout). The other endpoints must keep their rate of d: a dead endpoint may hold
 * its own share of the in-flight slots, not theirs.
 */
export function deadEndpoint(bench: BenchContext): Promise<Measured> {
  return withRun(bench, 'e', async (run) => {
    const r = await slowReceivers(bench, run, true);
    const inD = bench.outcomes.get('d')?.figures?.rateOf19;
    const notes = [
      `the ${ENDPOINTS - 1} live endpoints: ${perSecond(r.rateOf19)} here, ${inD ? perSecond(inD) : 'not measured'} in d`,
      ...r.notes,
    ];
    return {
      count: r.received,
      seconds: r.seconds,
      checks: [bar(`rate of the ${ENDPOINTS - 1} live endpoints against theirs in d`, inD && r.rateOf19 / inD, '>=', 0.9, pct)],
      notes,
    };
  });
}
