import { Admission, EndpointGuard, Health, healthOf, hostKeyOf, QUEUE_WAIT_MS, SLOT_WAIT_MS } from './endpoint-guard';

const release = (admission: Admission, health: Health, now?: number) => {
  if (admission.admitted) admission.release(health, now);
};

describe('EndpointGuard', () => {
  const config = { endpointConcurrency: 2, hostConcurrency: 3, circuitFailureThreshold: 3, circuitOpenMs: 1000, timeoutMs: 500 };
  const guard = (busy = false) =>
    new EndpointGuard(
      config,
      () => 0,
      () => busy,
    );
  type Internals = { endpoints: Map<string, unknown>; hosts: Map<string, unknown> };

  describe('slow start', () => {
    const slowStart = (endpointConcurrency: number) =>
      new EndpointGuard(
        { ...config, endpointConcurrency, hostConcurrency: 1000 },
        () => 0,
        () => false,
      );
    // Admitted as if long ago: a job beyond the window is then parked at once, not left waiting.
    const past = () => Date.now() - QUEUE_WAIT_MS - 1;
    const admitMany = async (g: EndpointGuard, uri: string, n: number) =>
      Promise.all(Array.from({ length: n }, () => g.admit(uri, past())));

    it('lets a new endpoint have a tenth of its limit in flight, and one more for each attempt answered', async () => {
      const g = slowStart(50);
      const first = await admitMany(g, 'http://new', 5);
      expect(first.every((a) => a.admitted)).toBe(true);
      expect(await g.admit('http://new')).toMatchObject({ admitted: false, reason: 'endpoint at its concurrency limit' });
      release(first[0], 'up');
      release(first[1], 'answered');
      // Two answered: a window of 7 with 3 in flight.
      expect((await admitMany(g, 'http://new', 4)).every((a) => a.admitted)).toBe(true);
      expect((await g.admit('http://new')).admitted).toBe(false);
    });

    it('keeps a dead endpoint to its first window, whatever its limit, and the others unaffected', async () => {
      const g = slowStart(100);
      expect((await admitMany(g, 'http://dead', 10)).every((a) => a.admitted)).toBe(true);
      expect((await g.admit('http://dead')).admitted).toBe(false);
      release(await g.admit('http://other'), 'unreachable');
      expect((await g.admit('http://dead')).admitted).toBe(false);
      expect((await admitMany(g, 'http://live', 10)).every((a) => a.admitted)).toBe(true);
    });

    it('opens no more than the endpoint limit, and starts at 4 at least', async () => {
      const g = slowStart(8);
      const first = await admitMany(g, 'http://small', 4);
      expect((await g.admit('http://small')).admitted).toBe(false);
      first.forEach((a) => release(a, 'up'));
      for (let i = 0; i < 10; i++) release(await g.admit('http://small'), 'up');
      expect((await admitMany(g, 'http://small', 8)).every((a) => a.admitted)).toBe(true);
      expect((await g.admit('http://small')).admitted).toBe(false);
    });
  });

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

  it('parks a job at once when the endpoint is slow (its attempts in flight run past the longest wait)', async () => {
    const g = guard();
    const started = Date.now() - QUEUE_WAIT_MS - 1;
    await g.admit('http://slow', started);
    await g.admit('http://slow', started);
    const before = Date.now();
    expect(await g.admit('http://slow')).toMatchObject({ admitted: false, reason: 'endpoint at its concurrency limit' });
    expect(Date.now() - before).toBeLessThan(SLOT_WAIT_MS);
    expect((await g.admit('http://other')).admitted).toBe(true);
  });

  it('keeps a job waiting past QUEUE_WAIT_MS while its endpoint keeps freeing slots (a backlog to one fast endpoint)', async () => {
    const g = new EndpointGuard(
      { ...config, timeoutMs: 5000 },
      () => 0,
      () => false,
    );
    const inFlight = [await g.admit('http://steady'), await g.admit('http://steady')];
    const waiting = Array.from({ length: 6 }, () => g.admit('http://steady'));
    // One attempt ends every 200 ms: the last waiter's slot comes after 1.2 s.
    const started = Date.now();
    const ticker = setInterval(() => release(inFlight.shift()!, 'up'), 200);
    waiting.forEach((w) => void w.then((admission) => inFlight.push(admission)));
    const admitted = await Promise.all(waiting);
    clearInterval(ticker);
    inFlight.forEach((a) => release(a, 'up'));
    expect(admitted.map((a) => a.admitted)).toEqual([true, true, true, true, true, true]);
    expect(Date.now() - started).toBeGreaterThan(QUEUE_WAIT_MS);
  });

  it('parks a waiting job at the attempt timeout, however steadily slots free', async () => {
    const g = guard();
    const inFlight = [await g.admit('http://long-queue'), await g.admit('http://long-queue')];
    // Eight waiters behind two slots, one freed every 100 ms: the last ones would wait past timeoutMs (500).
    const waiting = Array.from({ length: 8 }, () => g.admit('http://long-queue'));
    const ticker = setInterval(() => inFlight.length > 0 && release(inFlight.shift()!, 'up'), 100);
    waiting.forEach((w) => void w.then((admission) => admission.admitted && inFlight.push(admission)));
    const admitted = await Promise.all(waiting);
    clearInterval(ticker);
    inFlight.forEach((a) => release(a, 'up'));
    expect(admitted.filter((a) => a.admitted).length).toBeGreaterThanOrEqual(3);
    expect(admitted[7]).toMatchObject({ admitted: false, reason: 'endpoint at its concurrency limit' });
  });

  it('lets only as many jobs wait as a slow endpoint serves within QUEUE_WAIT_MS, and parks the next at once', async () => {
    const g = guard();
    const now = Date.now();
    release(await g.admit('http://slowish', now - 800), 'up', now); // its latency: 800 ms, over 2 slots
    const held = [await g.admit('http://slowish'), await g.admit('http://slowish')];
    const waiting = [g.admit('http://slowish'), g.admit('http://slowish')]; // expected 400 and 800 ms
    const before = Date.now();
    expect(await g.admit('http://slowish')).toMatchObject({ admitted: false, reason: 'endpoint at its concurrency limit' }); // 1,200 ms
    expect(Date.now() - before).toBeLessThan(SLOT_WAIT_MS);
    held.forEach((a) => release(a, 'up'));
    expect((await Promise.all(waiting)).map((a) => a.admitted)).toEqual([true, true]);
  });

  it('lets the same job wait when the replica itself is saturated (its latencies are its own queueing)', async () => {
    const g = guard(true);
    const now = Date.now();
    release(await g.admit('http://slowish', now - 800), 'up', now);
    const held = [await g.admit('http://slowish'), await g.admit('http://slowish')];
    const waiting = [g.admit('http://slowish'), g.admit('http://slowish'), g.admit('http://slowish')];
    setTimeout(() => held.forEach((a) => release(a, 'up')), 5);
    const [first, second] = await Promise.all(waiting.slice(0, 2));
    release(first, 'up');
    expect((await waiting[2]).admitted).toBe(true);
    release(second, 'up');
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
    expect(g.openCircuits(now)).toEqual([{ endpoint: 'http://down', scope: 'endpoint', state: 'open', since: expect.any(Number) }]);
    expect(g.openCircuits(now)[0].since).toBeLessThanOrEqual(now);

    const later = now + 2000;
    const probe = await g.admit('http://down', later);
    expect(probe.admitted).toBe(true);
    expect(await g.admit('http://down', later)).toMatchObject({ admitted: false, reason: 'circuit half-open, probe in flight' });
    release(probe, 'up', later);
    expect((await g.admit('http://down', later)).admitted).toBe(true);
    expect(g.openCircuits(later)).toEqual([]);
  });

  it('re-opens when the probe fails, and a 4xx neither opens nor closes it', async () => {
    const g = guard();
    for (let i = 0; i < 2; i++) release(await g.admit('http://x'), 'down');
    release(await g.admit('http://x'), 'answered');
    expect(g.openCircuits()).toEqual([]);
    const opened = Date.now();
    release(await g.admit('http://x', opened), 'down', opened);
    expect(g.openCircuits()[0]).toMatchObject({ state: 'open', since: opened });

    const later = Date.now() + 5000;
    release(await g.admit('http://x', later), 'down', later);
    expect(await g.admit('http://x', later + 1)).toMatchObject({ admitted: false, reason: 'circuit open' });
    // Open again from half-open: still open since it first opened.
    expect(g.openCircuits(later + 1)[0]).toMatchObject({ state: 'open', since: opened });
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

  it('remembers a bounded number of idle endpoints and hosts', async () => {
    const g = guard();
    for (let i = 0; i < 10_050; i++) release(await g.admit(`http://host-${i}`), 'up');
    expect((g as unknown as Internals).endpoints.size).toBeLessThanOrEqual(10_000);
    expect((g as unknown as Internals).hosts.size).toBeLessThanOrEqual(10_000);
  });

  it('stays bounded when every endpoint it saw is failing (their circuits are forgotten, least recently used first)', async () => {
    const g = guard();
    for (let i = 0; i < 10_050; i++) {
      const now = Date.now();
      for (let k = 0; k < 3; k++) release(await g.admit(`http://h-${i}/x`, now), 'unreachable', now);
    }
    expect((g as unknown as Internals).endpoints.size).toBeLessThanOrEqual(10_000);
    expect((g as unknown as Internals).hosts.size).toBeLessThanOrEqual(10_000);
    // The most recent ones are still remembered as open.
    expect(await g.admit('http://h-10049/x')).toMatchObject({ admitted: false, reason: 'host circuit open' });
  });

  describe('one host (scheme, host, port), many URIs (item 13)', () => {
    it('never lets one host take more than hostConcurrency slots, however many URIs it has', async () => {
      const g = guard();
      const started = Date.now() - SLOT_WAIT_MS - 1; // slow: its attempts have run past the wait
      const admissions = [];
      for (let i = 0; i < 10; i++) admissions.push(await g.admit(`http://slow.example/cb?i=${i}`, i < 3 ? started : Date.now()));
      expect(admissions.filter((a) => a.admitted)).toHaveLength(3);
      expect(admissions[3]).toMatchObject({ admitted: false, reason: 'host at its concurrency limit' });
      // A port is a host of its own; so is another name.
      expect((await g.admit('http://slow.example:8080/cb')).admitted).toBe(true);
      expect((await g.admit('http://healthy.example/cb')).admitted).toBe(true);
    });

    it('counts the same host under any spelling of its default port, and tells schemes apart', () => {
      expect(hostKeyOf('http://Example.com/a?x=1')).toBe(hostKeyOf('http://example.com:80/b'));
      expect(hostKeyOf('https://example.com/a')).toBe('https://example.com:443');
      expect(hostKeyOf('http://example.com/a')).not.toBe(hostKeyOf('https://example.com/a'));
      expect(hostKeyOf('http://[::1]:8080/x')).toBe('http://[::1]:8080');
    });

    it('parks at once when the host is kept full by slow attempts, without holding a replica slot for the wait', async () => {
      const g = guard();
      const started = Date.now() - SLOT_WAIT_MS - 1;
      for (let i = 0; i < 3; i++) await g.admit(`http://h/slow-${i}`, started);
      const before = Date.now();
      expect(await g.admit('http://h/other')).toMatchObject({ admitted: false, reason: 'host at its concurrency limit' });
      expect(Date.now() - before).toBeLessThan(SLOT_WAIT_MS);
    });

    it('lets a job wait for a host slot that is about to free, one waiter per such slot', async () => {
      const g = guard();
      const started = Date.now() - SLOT_WAIT_MS - 1;
      await g.admit('http://h/slow-1', started);
      await g.admit('http://h/slow-2', started);
      const fast = await g.admit('http://h/fast');
      const waiting = g.admit('http://h/b');
      // Only one attempt in flight may end soon: a second job is parked at once.
      expect(await g.admit('http://h/c')).toMatchObject({ admitted: false, reason: 'host at its concurrency limit' });
      setTimeout(() => release(fast, 'up'), 5);
      expect((await waiting).admitted).toBe(true);
    });

    it("opens one URI's circuit on its HTTP failures, and its neighbours on the same host go on", async () => {
      const g = guard();
      for (let i = 0; i < 3; i++) release(await g.admit('http://h/failing'), 'down');
      for (let i = 0; i < 3; i++) release(await g.admit('http://h/too-many'), 'down');
      expect(await g.admit('http://h/failing')).toMatchObject({ admitted: false, reason: 'circuit open' });
      expect(await g.admit('http://h/too-many')).toMatchObject({ admitted: false, reason: 'circuit open' });
      const fine = await g.admit('http://h/fine');
      expect(fine.admitted).toBe(true);
      release(fine, 'up');
      expect(g.openCircuits().map((c) => c.scope)).toEqual(['endpoint', 'endpoint']);
    });

    it('opens the host circuit when its URIs get no answer (connect errors, timeouts), for all its URIs', async () => {
      const g = guard();
      const now = Date.now();
      for (let i = 0; i < 3; i++) release(await g.admit(`http://h/${i}`, now), 'unreachable', now);
      expect(await g.admit('http://h/never-tried', now)).toMatchObject({ admitted: false, reason: 'host circuit open' });
      expect((await g.admit('http://elsewhere/0', now)).admitted).toBe(true);
      expect(g.openCircuits(now)).toContainEqual({ endpoint: 'http://h:80', scope: 'host', state: 'open', since: now });

      // Half-open: one attempt to any of its URIs probes the host; a 5xx is an answer, so the host is up.
      const later = now + 2000;
      const probe = await g.admit('http://h/never-tried', later);
      expect(probe.admitted).toBe(true);
      expect(await g.admit('http://h/another', later)).toMatchObject({
        admitted: false,
        reason: 'host circuit half-open, probe in flight',
      });
      release(probe, 'down', later);
      expect((await g.admit('http://h/another', later)).admitted).toBe(true);
    });

    it('resets the host count on any answer from any of its URIs', async () => {
      const g = guard();
      for (let i = 0; i < 2; i++) release(await g.admit(`http://h/dead-${i}`), 'unreachable');
      release(await g.admit('http://h/erroring'), 'down');
      for (let i = 2; i < 4; i++) release(await g.admit(`http://h/dead-${i}`), 'unreachable');
      expect((await g.admit('http://h/new')).admitted).toBe(true);
      expect(g.openCircuits().filter((c) => c.scope === 'host')).toEqual([]);
    });

    it('hands a freed host slot to another URI of the host, first come first served', async () => {
      const g = guard();
      const a1 = await g.admit('http://h/a');
      await g.admit('http://h/a');
      await g.admit('http://h/b');
      const c = g.admit('http://h/c');
      setTimeout(() => release(a1, 'up'), 5);
      expect((await c).admitted).toBe(true);
      const internals = g as unknown as { hosts: Map<string, { slots: Set<unknown> }> };
      expect(internals.hosts.get('http://h:80')!.slots.size).toBe(3);
    });
  });

  describe('the probe of a half-open circuit (item 14)', () => {
    // CIRCUIT_OPEN_MS (1000) is shorter than DISPATCH_TIMEOUT_MS here: attempts admitted before
    // the circuit opened can still be in flight when it turns half-open.
    const slowConfig = { ...config, timeoutMs: 10_000 };
    const t0 = 1_000_000;

    async function openWithStaleAttempt(uri: string, failure: Health) {
      const g = new EndpointGuard(
        slowConfig,
        () => 0,
        () => false,
      );
      const stale = await g.admit(uri, t0);
      for (let i = 0; i < 3; i++) release(await g.admit(uri, t0 + 1), failure, t0 + 2);
      expect(await g.admit(uri, t0 + 3)).toMatchObject({ admitted: false });
      const probe = await g.admit(uri, t0 + 2000);
      expect(probe.admitted).toBe(true);
      return { g, stale, probe };
    }

    it('a stale attempt that succeeds does not close the circuit: the probe is still awaited', async () => {
      const { g, stale, probe } = await openWithStaleAttempt('http://p/x', 'down');
      release(stale, 'up', t0 + 2001);
      expect(await g.admit('http://p/x', t0 + 2002)).toMatchObject({ admitted: false, reason: 'circuit half-open, probe in flight' });
      release(probe, 'up', t0 + 2003);
      expect((await g.admit('http://p/x', t0 + 2004)).admitted).toBe(true);
    });

    it('a stale attempt that fails neither re-opens the circuit nor lets a second probe through', async () => {
      const { g, stale, probe } = await openWithStaleAttempt('http://p/x', 'down');
      release(stale, 'down', t0 + 2001);
      expect(await g.admit('http://p/x', t0 + 2002)).toMatchObject({ admitted: false, reason: 'circuit half-open, probe in flight' });
      // A whole open period later the first probe is still in flight: still no second one.
      expect(await g.admit('http://p/x', t0 + 3500)).toMatchObject({ admitted: false, reason: 'circuit half-open, probe in flight' });
      release(probe, 'down', t0 + 4000);
      expect(await g.admit('http://p/x', t0 + 4001)).toMatchObject({ admitted: false, reason: 'circuit open' });
      expect(await g.admit('http://p/x', t0 + 4999)).toMatchObject({ admitted: false, reason: 'circuit open' });
      expect((await g.admit('http://p/x', t0 + 5001)).admitted).toBe(true);
    });

    it('a stale attempt that says nothing does not re-open the circuit either', async () => {
      const { g, stale, probe } = await openWithStaleAttempt('http://p/x', 'down');
      release(stale, 'answered', t0 + 2001);
      expect(await g.admit('http://p/x', t0 + 3500)).toMatchObject({ admitted: false, reason: 'circuit half-open, probe in flight' });
      release(probe, 'up', t0 + 3600);
      expect(g.openCircuits(t0 + 3601)).toEqual([]);
    });

    it('the same holds for a host circuit', async () => {
      const { g, stale, probe } = await openWithStaleAttempt('http://q/x', 'unreachable');
      // Both circuits (URI and host) were open; the probe is the probe of both.
      expect(g.openCircuits(t0 + 2000).map((c) => [c.scope, c.state])).toEqual([
        ['host', 'half-open'],
        ['endpoint', 'half-open'],
      ]);
      release(stale, 'up', t0 + 2001);
      expect(await g.admit('http://q/other', t0 + 2002)).toMatchObject({
        admitted: false,
        reason: 'host circuit half-open, probe in flight',
      });
      expect(await g.admit('http://q/other', t0 + 3500)).toMatchObject({
        admitted: false,
        reason: 'host circuit half-open, probe in flight',
      });
      release(probe, 'up', t0 + 3600);
      expect((await g.admit('http://q/other', t0 + 3601)).admitted).toBe(true);
      expect(g.openCircuits(t0 + 3601)).toEqual([]);
    });

    it('a probe never waits for a slot: it is parked while attempts admitted before hold them', async () => {
      const g = new EndpointGuard(
        slowConfig,
        () => 0,
        () => false,
      );
      const earlier = [await g.admit('http://r/a', t0), await g.admit('http://r/b', t0)];
      for (let i = 0; i < 3; i++) release(await g.admit('http://r/x', t0 + 1), 'down', t0 + 2);
      // The host is full, with an attempt that looks about to end: a closed circuit's job would wait.
      const young = await g.admit('http://r/c', t0 + 1999);
      const started = Date.now();
      expect(await g.admit('http://r/x', t0 + 2000)).toMatchObject({ admitted: false, reason: 'host at its concurrency limit' });
      expect(Date.now() - started).toBeLessThan(SLOT_WAIT_MS);
      [...earlier, young].forEach((s) => release(s, 'up', t0 + 2001));
      expect((await g.admit('http://r/x', t0 + 2002)).admitted).toBe(true);
      expect(await g.admit('http://r/x', t0 + 2003)).toMatchObject({ admitted: false, reason: 'circuit half-open, probe in flight' });
    });
  });

  it('reads the health of an outcome: no answer is the host, an HTTP failure the URI only', () => {
    expect(healthOf({ ok: true, final: false, status: 204 })).toBe('up');
    expect(healthOf({ ok: false, final: false, status: 503 })).toBe('down');
    expect(healthOf({ ok: false, final: false, status: 429 })).toBe('down');
    expect(healthOf({ ok: false, final: false })).toBe('unreachable');
    expect(healthOf({ ok: false, final: false, status: 404 })).toBe('answered');
    expect(healthOf({ ok: false, final: true, status: 410 })).toBe('answered');
    expect(healthOf({ ok: false, final: true })).toBe('neutral');
  });
});
