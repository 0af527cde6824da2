import { EndpointGuard } from './endpoint-guard';

describe('EndpointGuard', () => {
  const config = { endpointConcurrency: 2, circuitFailureThreshold: 3, circuitOpenMs: 1000, timeoutMs: 500 };
  const guard = () => new EndpointGuard(config, () => 0);

  it('admits at most endpointConcurrency attempts to one endpoint, others unaffected', () => {
    const g = guard();
    const a = g.admit('http://slow');
    const b = g.admit('http://slow');
    expect([a.admitted, b.admitted]).toEqual([true, true]);
    expect(g.admit('http://slow')).toMatchObject({ admitted: false, reason: 'endpoint at its concurrency limit' });
    expect(g.admit('http://other').admitted).toBe(true);
    if (a.admitted) a.release('up');
    expect(g.admit('http://slow').admitted).toBe(true);
  });

  it('opens after consecutive failures, parks deliveries, then lets one probe through', () => {
    const g = guard();
    for (let i = 0; i < 3; i++) {
      const admission = g.admit('http://down', 0);
      if (admission.admitted) admission.release('down');
    }
    const now = Date.now();
    expect(g.admit('http://down', now)).toMatchObject({ admitted: false, reason: 'circuit open' });
    expect(g.openCircuits(now)).toEqual([{ endpoint: 'http://down', state: 'open' }]);

    const later = now + 2000;
    const probe = g.admit('http://down', later);
    expect(probe.admitted).toBe(true);
    expect(g.admit('http://down', later)).toMatchObject({ admitted: false, reason: 'circuit half-open, probe in flight' });
    if (probe.admitted) probe.release('up');
    expect(g.admit('http://down', later).admitted).toBe(true);
    expect(g.openCircuits(later)).toEqual([]);
  });

  it('re-opens when the probe fails, and a 4xx neither opens nor closes it', () => {
    const g = guard();
    for (let i = 0; i < 2; i++) {
      const admission = g.admit('http://x');
      if (admission.admitted) admission.release('down');
    }
    const neutral = g.admit('http://x');
    if (neutral.admitted) neutral.release('neutral');
    expect(g.openCircuits()).toEqual([]);
    const third = g.admit('http://x');
    if (third.admitted) third.release('down');
    expect(g.openCircuits()[0].state).toBe('open');

    const probe = g.admit('http://x', Date.now() + 5000);
    if (probe.admitted) probe.release('down');
    expect(g.admit('http://x')).toMatchObject({ admitted: false, reason: 'circuit open' });
  });

  it('forgets healthy idle endpoints, so memory stays bounded', () => {
    const g = guard();
    for (let i = 0; i < 1000; i++) {
      const admission = g.admit(`http://host-${i}`);
      if (admission.admitted) admission.release('up');
    }
    expect((g as unknown as { endpoints: Map<string, unknown> }).endpoints.size).toBe(0);
  });
});
