import { Admission, EndpointGuard, Health, SLOT_WAIT_MS } from './endpoint-guard';

const release = (admission: Admission, health: Health) => {
  if (admission.admitted) admission.release(health);
};

describe('EndpointGuard', () => {
  const config = { endpointConcurrency: 2, circuitFailureThreshold: 3, circuitOpenMs: 1000, timeoutMs: 500 };
  const guard = () => new EndpointGuard(config, () => 0);

  it('lets a job wait for a fast endpoint slot instead of parking it', async () => {
    const g = guard();
    const a = await g.admit('http://fast');
    const b = await g.admit('http://fast');
    const third = g.admit('http://fast');
    setTimeout(() => release(a, 'up'), 5);
    expect((await third).admitted).toBe(true);
    release(b, 'up');
    expect((await g.admit('http://other')).admitted).toBe(true);
  });

  it('parks a job at once when the endpoint is slow (its attempts in flight run past the wait)', async () => {
    const g = guard();
    const started = Date.now() - SLOT_WAIT_MS - 1;
    await g.admit('http://slow', started);
    await g.admit('http://slow', started);
    const before = Date.now();
    expect(await g.admit('http://slow')).toMatchObject({ admitted: false, reason: 'endpoint at its concurrency limit' });
    expect(Date.now() - before).toBeLessThan(SLOT_WAIT_MS);
    expect((await g.admit('http://other')).admitted).toBe(true);
  });

  it('parks a job when no slot frees within the wait', async () => {
    const g = guard();
    await g.admit('http://busy');
    await g.admit('http://busy');
    expect(await g.admit('http://busy')).toMatchObject({ admitted: false, reason: 'endpoint at its concurrency limit' });
  });

  it('opens after consecutive failures, parks deliveries, then lets one probe through', async () => {
    const g = guard();
    for (let i = 0; i < 3; i++) release(await g.admit('http://down'), 'down');
    const now = Date.now();
    expect(await g.admit('http://down', now)).toMatchObject({ admitted: false, reason: 'circuit open' });
    expect(g.openCircuits(now)).toEqual([{ endpoint: 'http://down', state: 'open' }]);

    const later = now + 2000;
    const probe = await g.admit('http://down', later);
    expect(probe.admitted).toBe(true);
    expect(await g.admit('http://down', later)).toMatchObject({ admitted: false, reason: 'circuit half-open, probe in flight' });
    release(probe, 'up');
    expect((await g.admit('http://down', later)).admitted).toBe(true);
    expect(g.openCircuits(later)).toEqual([]);
  });

  it('re-opens when the probe fails, and a 4xx neither opens nor closes it', async () => {
    const g = guard();
    for (let i = 0; i < 2; i++) release(await g.admit('http://x'), 'down');
    release(await g.admit('http://x'), 'neutral');
    expect(g.openCircuits()).toEqual([]);
    release(await g.admit('http://x'), 'down');
    expect(g.openCircuits()[0].state).toBe('open');

    release(await g.admit('http://x', Date.now() + 5000), 'down');
    expect(await g.admit('http://x')).toMatchObject({ admitted: false, reason: 'circuit open' });
  });

  it('never has more than endpointConcurrency attempts in flight, however many jobs wait', async () => {
    const g = guard();
    let inFlight = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        const admission = await g.admit('http://crowded');
        if (!admission.admitted) return;
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
        admission.release('up');
      }),
    );
    expect(most).toBe(2);
  });

  it('remembers a bounded number of idle endpoints', async () => {
    const g = guard();
    for (let i = 0; i < 10_050; i++) release(await g.admit(`http://host-${i}`), 'up');
    expect((g as unknown as { endpoints: Map<string, unknown> }).endpoints.size).toBeLessThanOrEqual(10_000);
  });
});
