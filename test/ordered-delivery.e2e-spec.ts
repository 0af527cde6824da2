import request from 'supertest';
import { ReceivedCall } from './support/receiver';
import { apiClient, Stack, startStack, transferRequest, waitUntil } from './support/harness';

/**
 * Ordered endpoints (issue 14): per (object, endpoint), event n+1 is not sent before event n
 * has ended. A receiver that fails at random and answers after a random delay would reorder an
 * unordered endpoint's events; an ordered one's first receipts must still come in sequence.
 */

const BASE = 'http://callbacks.test';
const OBJECTS = 50;
const EVENTS_PER_OBJECT = 20;

const sequenceOf = (call: ReceivedCall) => Number(call.headers['x-event-sequence']);
const objectOf = (call: ReceivedCall): string => call.json?.payload?.callbackId ?? call.json?.payload?.transferProcessId;

/** Per object, the sequence numbers in the order their first receipt (by webhook-id) arrived. */
function firstReceipts(calls: ReceivedCall[]): Map<string, number[]> {
  const seen = new Set<string>();
  const byObject = new Map<string, number[]>();
  for (const call of calls) {
    const id = call.headers['webhook-id'] as string;
    if (seen.has(id)) continue;
    seen.add(id);
    byObject.set(objectOf(call), [...(byObject.get(objectOf(call)) ?? []), sequenceOf(call)]);
  }
  return byObject;
}

const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('ordered endpoints', () => {
  let stack: Stack;
  const { get, post } = apiClient(() => stack.api);
  const call = (url: string) => request(stack.api.getHttpServer()).post(url.slice(BASE.length)).send({ n: 1 });
  /** Paths whose calls fail at random (30%), answering after 0-50 ms. */
  const flaky = new Set(['/ordered', '/static-ordered']);
  /** Per path and sequence: answers to give before the default (200), consumed one per call. */
  const scripted = new Map<string, number[]>();
  /** Per path, object and sequence: answered 503 while listed. */
  const blocked = new Set<string>();

  beforeAll(async () => {
    stack = await startStack(
      (url) => ({
        COUNTERPARTY_MODE: 'manual',
        PUBLIC_BASE_URL: BASE,
        DISPATCH_BACKOFF_MS: '20',
        DISPATCH_BACKOFF_MAX_MS: '500',
        DISPATCH_MAX_ATTEMPTS: '100',
        DISPATCH_CONCURRENCY: '100',
        DISPATCH_ENDPOINT_CONCURRENCY: '60',
        DISPATCH_HOST_CONCURRENCY: '100',
        CIRCUIT_FAILURE_THRESHOLD: '1000',
        INBOUND_MAX_CALLS_PER_MINUTE: '100000',
        EDC_CALLBACK_ORDSTATIC_URI: `${url}/static-ordered`,
        EDC_CALLBACK_ORDSTATIC_EVENTS: 'transfer.process',
        EDC_CALLBACK_ORDSTATIC_ORDERED: 'true',
      }),
      (received) => {
        const path = received.path.split('?')[0];
        const key = `${path} ${objectOf(received)} ${sequenceOf(received)}`;
        if (blocked.has(key)) return { status: 503 };
        const script = scripted.get(key);
        if (script && script.length > 0) return { status: script.shift()! };
        if (flaky.has(path)) return { status: Math.random() < 0.3 ? 503 : 200, delayMs: Math.floor(Math.random() * 50) };
        return { status: 200 };
      },
    );
  });

  afterAll(() => stack?.stop());

  const newCallback = async (callbackAddresses: object[]) =>
    (await post('/management/v1/callbacks', { responseType: 'response', allowMultipleCalls: true, callbackAddresses }).expect(201))
      .body as {
      id: string;
      callbackUrl: string;
    };

  /** Calls the URL `n` times in a row: events 1..n of the callback, committed in that order. */
  const callTimes = async (url: string, n: number) => {
    for (let i = 0; i < n; i++) await call(url).expect(200);
  };

  it(`keeps ${OBJECTS} objects x ${EVENTS_PER_OBJECT} events in sequence to a flaky ordered endpoint; an unordered one on the same objects is not held back`, async () => {
    const { receiver } = stack;
    const callbacks = await Promise.all(
      Array.from({ length: OBJECTS }, () =>
        newCallback([
          { uri: `${receiver.url}/ordered`, events: ['callback.received'], ordered: true },
          { uri: `${receiver.url}/unordered`, events: ['callback.received'] },
        ]),
      ),
    );
    // The first object's first event fails until let go: its own later events wait.
    blocked.add(`/ordered ${callbacks[0].id} 1`);
    await Promise.all(callbacks.map((cb) => callTimes(cb.callbackUrl, EVENTS_PER_OBJECT)));

    const total = OBJECTS * EVENTS_PER_OBJECT;
    const distinct = (path: string) => new Set(receiver.callsTo(path).map((c) => c.headers['webhook-id'])).size;
    // The unordered endpoint gets every event of the held-up object while that object's ordered
    // sequence is still stuck at its first event.
    await receiver.waitFor(() => distinct('/unordered') === total, 30_000);
    const stuck = receiver.callsTo('/ordered').filter((c) => objectOf(c) === callbacks[0].id);
    expect(new Set(stuck.map(sequenceOf))).toEqual(new Set([1]));
    blocked.clear();

    await receiver.waitFor(() => distinct('/ordered') === total, 120_000);
    const receipts = firstReceipts(receiver.callsTo('/ordered'));
    expect(receipts.size).toBe(OBJECTS);
    for (const cb of callbacks) expect(receipts.get(cb.id)).toEqual(oneToN(EVENTS_PER_OBJECT));
    // Some calls did fail and were retried: the order was kept through retries, not by luck.
    expect(receiver.callsTo('/ordered').length).toBeGreaterThan(total);
  }, 180_000);

  it('keeps the events of transfers moved by signals in order, to a dynamic and to a static ordered endpoint', async () => {
    const { receiver } = stack;
    const signals = [
      'provisioned',
      'requested',
      'started',
      'suspended',
      'resumed',
      'started',
      'suspended',
      'resumed',
      'started',
      'completed',
      'deprovisioned',
    ];
    const ids = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const res = await post(
          '/management/v3/transferprocesses',
          transferRequest({ callbackAddresses: [{ uri: `${receiver.url}/ordered`, events: ['transfer.process'], ordered: true }] }),
        ).expect(200);
        const id = res.body['@id'] as string;
        for (const signal of signals) await post(`/signaling/v1/transferprocesses/${id}/${signal}`).expect(200);
        return id;
      }),
    );
    const events = signals.length + 1;
    for (const path of ['/ordered', '/static-ordered']) {
      const ofTransfers = () => receiver.callsTo(path).filter((c) => ids.includes(objectOf(c)));
      await receiver.waitFor(() => new Set(ofTransfers().map((c) => c.headers['webhook-id'])).size === ids.length * events, 60_000);
      const receipts = firstReceipts(ofTransfers());
      for (const id of ids) expect(receipts.get(id)).toEqual(oneToN(events));
    }
  }, 120_000);

  describe('a dead-lettered head', () => {
    const deliveriesOf = async (entityId: string, status?: string) =>
      (await get(`/management/v1/deliveries?entityId=${entityId}${status ? `&status=${status}` : ''}`).expect(200)).body as {
        id: string;
        status: string;
        endpoint: { uri: string };
      }[];
    const heldMetric = async () => {
      const text = (await request(stack.dispatcher.getHttpServer()).get('/metrics').expect(200)).text;
      return Number(/^callback_held_sequences(?:\{[^}]*\})? (\d+)/m.exec(text)![1]);
    };

    it('holds the later events (status held) until it is skipped, then sends them in order', async () => {
      const { receiver } = stack;
      const cb = await newCallback([{ uri: `${receiver.url}/hold-skip`, events: ['callback.received'], ordered: true, onFailure: 'hold' }]);
      scripted.set(`/hold-skip ${cb.id} 1`, [410]);
      await callTimes(cb.callbackUrl, 5);

      await waitUntil(async () => (await deliveriesOf(cb.id, 'held')).length === 4, 15_000, 'four held deliveries');
      await waitUntil(async () => (await heldMetric()) === 1, 5_000, 'the held gauge at 1');
      const deadLetter = (await deliveriesOf(cb.id, 'failed'))[0];
      expect(deadLetter).toBeDefined();
      // Nothing after the dead letter was sent.
      await new Promise((r) => setTimeout(r, 300));
      expect(receiver.callsTo('/hold-skip').map(sequenceOf)).toEqual([1]);

      await post(`/management/v1/deliveries/${deadLetter.id}/skip`).expect(202);
      await receiver.waitFor((calls) => calls.filter((c) => c.path === '/hold-skip').length === 5, 15_000);
      expect(receiver.callsTo('/hold-skip').map(sequenceOf)).toEqual([1, 2, 3, 4, 5]);
      // It stays failed (it was not delivered); the others were delivered.
      await waitUntil(async () => (await deliveriesOf(cb.id, 'delivered')).length === 4, 10_000, 'four delivered');
      expect((await get(`/management/v1/deliveries/${deadLetter.id}`).expect(200)).body.status).toBe('failed');
      expect(await deliveriesOf(cb.id, 'held')).toEqual([]);
      // The gauge is read from Redis at most once a second (docs/operations.md, what /metrics costs).
      await waitUntil(async () => (await heldMetric()) === 0, 5_000, 'the held gauge at 0');
      // Skipped once: it holds nothing any more.
      const again = await post(`/management/v1/deliveries/${deadLetter.id}/skip`).expect(409);
      expect(again.body[0].type).toBe('ObjectConflict');
    });

    it('holds the later events until the dead letter is retried successfully, then sends them in order', async () => {
      const { receiver } = stack;
      const cb = await newCallback([
        { uri: `${receiver.url}/hold-retry`, events: ['callback.received'], ordered: true, onFailure: 'hold' },
      ]);
      scripted.set(`/hold-retry ${cb.id} 1`, [410]);
      await callTimes(cb.callbackUrl, 4);
      await waitUntil(async () => (await deliveriesOf(cb.id, 'held')).length === 3, 15_000, 'three held deliveries');
      const [deadLetter] = await deliveriesOf(cb.id, 'failed');
      // Joining a held lane: held as well.
      await callTimes(cb.callbackUrl, 1);
      await waitUntil(async () => (await deliveriesOf(cb.id, 'held')).length === 4, 15_000, 'four held deliveries');
      expect(receiver.callsTo('/hold-retry').map(sequenceOf)).toEqual([1]);

      await post(`/management/v1/deliveries/${deadLetter.id}/retry`).expect(202);
      await receiver.waitFor((calls) => calls.filter((c) => c.path === '/hold-retry').length === 6, 15_000);
      expect(receiver.callsTo('/hold-retry').map(sequenceOf)).toEqual([1, 1, 2, 3, 4, 5]);
      await waitUntil(async () => (await deliveriesOf(cb.id, 'delivered')).length === 5, 10_000, 'five delivered');
    });

    it('with onFailure continue (the default), moves on past it: the gap shows in x-event-sequence', async () => {
      const { receiver } = stack;
      const cb = await newCallback([{ uri: `${receiver.url}/continue`, events: ['callback.received'], ordered: true }]);
      scripted.set(`/continue ${cb.id} 2`, [410]);
      await callTimes(cb.callbackUrl, 4);
      await receiver.waitFor((calls) => calls.filter((c) => c.path === '/continue').length === 4, 15_000);
      expect(receiver.callsTo('/continue').map(sequenceOf)).toEqual([1, 2, 3, 4]);
      const [deadLetter] = await deliveriesOf(cb.id, 'failed');
      expect(await deliveriesOf(cb.id, 'held')).toEqual([]);
      // It holds nothing: 409. Retried, it is sent again, after the others.
      expect((await post(`/management/v1/deliveries/${deadLetter.id}/skip`).expect(409)).body[0].type).toBe('ObjectConflict');
      await post(`/management/v1/deliveries/${deadLetter.id}/retry`).expect(202);
      await receiver.waitFor((calls) => calls.filter((c) => c.path === '/continue').length === 5, 15_000);
      expect(receiver.callsTo('/continue').map(sequenceOf)).toEqual([1, 2, 3, 4, 2]);
    });

    it('answers skip with 404 for an unknown delivery and 409 for one that is not dead-lettered', async () => {
      const { receiver } = stack;
      expect((await post('/management/v1/deliveries/no-such-delivery/skip').expect(404)).body[0].type).toBe('ObjectNotFound');
      const cb = await newCallback([{ uri: `${receiver.url}/fine`, events: ['callback.received'], ordered: true, onFailure: 'hold' }]);
      await callTimes(cb.callbackUrl, 1);
      await receiver.waitFor((calls) => calls.some((c) => c.path === '/fine'), 15_000);
      await waitUntil(async () => (await deliveriesOf(cb.id, 'delivered')).length === 1, 10_000, 'delivered');
      const [delivered] = await deliveriesOf(cb.id);
      expect((await post(`/management/v1/deliveries/${delivered.id}/skip`).expect(409)).body[0].type).toBe('ObjectConflict');
    });
  });

  describe('validation', () => {
    it('refuses onFailure values it does not know and onFailure without ordered, listing every problem', async () => {
      const res = await post('/management/v1/callbacks', {
        responseType: 'response',
        callbackAddresses: [
          { uri: 'https://a.example/x', events: ['callback.received'], ordered: true, onFailure: 'retry' },
          { uri: 'https://a.example/y', events: ['callback.received'], onFailure: 'hold' },
          { uri: 'https://a.example/z', events: ['callback.received'], ordered: 'yes' },
          { uri: 'https://a.example/t', events: ['callback.received'], ordered: true, transactional: true },
        ],
      }).expect(400);
      const messages = (res.body as { message: string }[]).map((e) => e.message).join('\n');
      expect(messages).toMatch(/callbackAddresses\[0\]\.onFailure must be one of continue, hold/);
      expect(messages).toMatch(/callbackAddresses\[1\]\.onFailure applies only to an ordered callback address/);
      expect(messages).toMatch(/callbackAddresses\[2\]\.ordered must be a boolean/);
      expect(messages).toMatch(/callbackAddresses\[3\]\.ordered cannot be true on a transactional callback address/);
    });

    it('echoes ordered and onFailure where the callback addresses are shown, and only when set', async () => {
      const addresses = [
        { uri: 'https://a.example/x', events: ['transfer.process'], ordered: true, onFailure: 'hold' },
        { uri: 'https://a.example/y', events: ['transfer.process'] },
      ];
      const id = (await post('/management/v3/transferprocesses', transferRequest({ callbackAddresses: addresses })).expect(200)).body[
        '@id'
      ];
      const shown = (await get(`/management/v3/transferprocesses/${id}`).expect(200)).body.callbackAddresses;
      expect(shown).toEqual([
        {
          '@type': 'CallbackAddress',
          uri: 'https://a.example/x',
          events: ['transfer.process'],
          transactional: false,
          ordered: true,
          onFailure: 'hold',
        },
        { '@type': 'CallbackAddress', uri: 'https://a.example/y', events: ['transfer.process'], transactional: false },
      ]);
    });

    it('takes the callbackAddress shorthand as one address object too, with every transfer event by default, so it can be ordered', async () => {
      const request = transferRequest({ callbackAddress: { uri: 'https://a.example/s', ordered: true } });
      const id = (await post('/management/v3/transferprocesses', request).expect(200)).body['@id'];
      const shown = (await get(`/management/v3/transferprocesses/${id}`).expect(200)).body.callbackAddresses;
      expect(shown).toEqual([
        { '@type': 'CallbackAddress', uri: 'https://a.example/s', events: ['transfer.process'], transactional: false, ordered: true },
      ]);

      const refused = await post(
        '/management/v3/transferprocesses',
        transferRequest({ callbackAddress: { uri: 'ftp://x', onFailure: 'hold' } }),
      ).expect(400);
      const messages = (refused.body as { message: string }[]).map((e) => e.message).join('\n');
      expect(messages).toMatch(/callbackAddress\.uri must be an absolute http or https URL/);
      expect(messages).toMatch(/callbackAddress\.onFailure applies only to an ordered callback address/);
    });
  });
});

describe('ordered endpoints, a head that runs out of attempts', () => {
  let stack: Stack;
  const { get, post } = apiClient(() => stack.api);
  let failing = true;

  beforeAll(async () => {
    stack = await startStack(
      () => ({ PUBLIC_BASE_URL: BASE, DISPATCH_BACKOFF_MS: '20', DISPATCH_MAX_ATTEMPTS: '3', CIRCUIT_FAILURE_THRESHOLD: '1000' }),
      (received) => ({ status: failing && sequenceOf(received) === 1 ? 503 : 200 }),
    );
  });

  afterAll(() => stack?.stop());

  const deliveriesOf = async (entityId: string, status: string) =>
    (await get(`/management/v1/deliveries?entityId=${entityId}&status=${status}`).expect(200)).body as {
      id: string;
      attempts: unknown[];
    }[];

  it('holds the sequence once its retries (run by the deliveries queue) are used up, and lets it go on skip', async () => {
    const { receiver } = stack;
    const cb = (
      await post('/management/v1/callbacks', {
        responseType: 'response',
        allowMultipleCalls: true,
        callbackAddresses: [{ uri: `${receiver.url}/exhausted`, events: ['callback.received'], ordered: true, onFailure: 'hold' }],
      }).expect(201)
    ).body as { id: string; callbackUrl: string };
    for (let i = 0; i < 3; i++) await request(stack.api.getHttpServer()).post(cb.callbackUrl.slice(BASE.length)).send({ i }).expect(200);

    await waitUntil(async () => (await deliveriesOf(cb.id, 'held')).length === 2, 15_000, 'two held deliveries');
    const [deadLetter] = await deliveriesOf(cb.id, 'failed');
    expect(deadLetter.attempts).toHaveLength(3);
    expect(receiver.callsTo('/exhausted').map(sequenceOf)).toEqual([1, 1, 1]);

    failing = false;
    await post(`/management/v1/deliveries/${deadLetter.id}/skip`).expect(202);
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/exhausted').length === 5, 15_000);
    expect(receiver.callsTo('/exhausted').map(sequenceOf)).toEqual([1, 1, 1, 2, 3]);
  });
});
