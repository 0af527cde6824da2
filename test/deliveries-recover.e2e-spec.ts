import request from 'supertest';
import { ReceivedCall, Receiver, Responder } from './support/receiver';
import { apiClient, openDeliveryQueues, Stack, startStack, transferRequest, waitUntil } from './support/harness';
import { TestDeliveryQueues } from './support/delivery-queues';

/**
 * Bulk recover after a simulated outage of one receiver (issue 22): dead letters of plain
 * endpoints across every partition, of ordered `hold` endpoints (each holding its lane, later
 * events held behind it) and of ordered `continue` endpoints (several per lane). One recover
 * sends each matching dead letter once more, ordered ones in their object's order; a second
 * recovers nothing; one that failed before `since` stays dead.
 */
/** Per receiver: two receivers (two origins), as a host's circuit opens after 1,000 failures in a row. */
const PLAIN = 500;
const HOLD_OBJECTS = 10;
const CONTINUE_OBJECTS = 5;
const CALLS_PER_OBJECT = 4;
const BASE = 'http://callbacks.test';

const sequenceOf = (call: ReceivedCall) => Number(call.headers['x-event-sequence']);
const webhookId = (call: ReceivedCall) => call.headers['webhook-id'] as string;

describe('POST /management/v1/deliveries/recover', () => {
  let stack: Stack;
  let other: Receiver;
  let queues: TestDeliveryQueues;
  let outage = true;
  /** Calls answered 2xx, in arrival order. */
  const delivered: ReceivedCall[] = [];
  const { get, post } = apiClient(() => stack.api);

  beforeAll(async () => {
    stack = await startStack(
      () => ({
        COUNTERPARTY_MODE: 'manual',
        LOG_LEVEL: 'error',
        PUBLIC_BASE_URL: BASE,
        DISPATCH_MAX_ATTEMPTS: '1',
        // With one attempt, a recovered delivery that times out is a dead letter again, and the
        // second recover finds it (seen in a loaded run: the receiver shares this process's
        // event loop with 200 deliveries in flight). Slowness is not what this file tests.
        DISPATCH_TIMEOUT_MS: '120000',
        DISPATCH_CONCURRENCY: '200',
        DISPATCH_ENDPOINT_CONCURRENCY: '200',
        DISPATCH_HOST_CONCURRENCY: '200',
        CIRCUIT_FAILURE_THRESHOLD: '1000',
        INBOUND_MAX_CALLS_PER_MINUTE: '100000',
      }),
      responder,
    );
    other = await Receiver.start(responder);
    queues = openDeliveryQueues(stack.config);
  });

  const responder: Responder = (call) => {
    if (call.path.startsWith('/down') && outage) return { status: 503, body: 'down for maintenance' };
    delivered.push(call);
    return { status: 200 };
  };

  afterAll(async () => {
    await other?.close();
    await queues?.close();
    await stack?.stop();
  });

  const inParallel = async <T>(n: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> => {
    const results: T[] = [];
    for (let i = 0; i < n; i += width)
      results.push(...(await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, j) => task(i + j)))));
    return results;
  };
  const createTransfer = (uri: string) =>
    post('/management/v3/transferprocesses', transferRequest({ callbackAddresses: [{ uri, events: ['transfer.process'] }] })).expect(200);
  const orderedCallback = async (path: string, onFailure: 'hold' | 'continue') => {
    const uri = `${stack.receiver.url}${path}`;
    const created = await post('/management/v1/callbacks', {
      responseType: 'response',
      allowMultipleCalls: true,
      callbackAddresses: [{ uri, events: ['callback'], ordered: true, onFailure }],
    }).expect(201);
    const { id, callbackUrl } = created.body as { id: string; callbackUrl: string };
    // Calls one after the other: each is one event, in sequence.
    for (let n = 0; n < CALLS_PER_OBJECT; n++)
      await request(stack.api.getHttpServer()).post(callbackUrl.slice(BASE.length)).send({ n }).expect(200);
    return id;
  };

  it('sends every dead letter of the outage once more, ordered ones in order, and a second recover nothing', async () => {
    const url = stack.receiver.url;
    // One dead letter from before the outage: outside `since`, it stays dead.
    await createTransfer(`${url}/down/earlier`);
    await waitUntil(async () => (await queues.getJobCounts('failed')).failed === 1, 20_000, 'the earlier dead letter');
    const since = Date.now() + 1;
    await new Promise((r) => setTimeout(r, 5));

    await inParallel(PLAIN, 25, () => createTransfer(`${url}/down/transfers?token=s3cret`));
    await inParallel(PLAIN, 25, () => createTransfer(`${other.url}/down/transfers`));
    const holdObjects = await inParallel(HOLD_OBJECTS, 5, (i) => orderedCallback(`/down/hold/${i}`, 'hold'));
    const continueObjects = await inParallel(CONTINUE_OBJECTS, 5, (i) => orderedCallback(`/down/continue/${i}`, 'continue'));
    // Dead: every plain one, each hold lane's head, every event of a continue lane.
    const dead = 1 + 2 * PLAIN + HOLD_OBJECTS + CONTINUE_OBJECTS * CALLS_PER_OBJECT;
    await waitUntil(async () => (await queues.getJobCounts('failed')).failed === dead, 60_000, `${dead} dead letters`);
    const held = HOLD_OBJECTS * (CALLS_PER_OBJECT - 1);
    await waitUntil(
      async () => (await get(`/management/v1/deliveries?status=held&limit=1000`).expect(200)).body.length === held,
      20_000,
      'the held deliveries',
    );
    expect(delivered).toHaveLength(0);

    outage = false;
    // By origin: one receiver's dead letters, then the other's.
    const first = await post('/management/v1/deliveries/recover', { origin: url, since }).expect(202);
    expect(first.body).toEqual({ recovered: dead - 1 - PLAIN });
    const second = await post('/management/v1/deliveries/recover', { origin: other.url, since }).expect(202);
    expect(second.body).toEqual({ recovered: PLAIN });
    for (const origin of [url, other.url]) {
      const again = await post('/management/v1/deliveries/recover', { origin, since: new Date(since).toISOString() }).expect(202);
      expect(again.body).toEqual({ recovered: 0 });
    }

    // Each dead letter once more, each held one once; nothing twice.
    const expected = dead - 1 + held;
    await waitUntil(() => delivered.length >= expected, 60_000, `${expected} deliveries after the outage`);
    const ids = delivered.map(webhookId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(delivered.filter((c) => c.path.startsWith('/down/earlier'))).toHaveLength(0);
    // Every ordered object's events arrived in sequence.
    for (const id of [...holdObjects, ...continueObjects]) {
      const sequences = delivered.filter((c) => c.json?.payload?.callbackId === id).map(sequenceOf);
      expect(sequences).toEqual([1, 2, 3, 4]);
    }
    expect((await queues.getJobCounts('failed')).failed).toBe(1);
    const metrics = await request(stack.api.getHttpServer()).get('/metrics').expect(200);
    expect(metrics.text).toMatch(new RegExp(`^callback_deliveries_recovered_total\\{app="api"\\} ${dead - 1}$`, 'm'));
  }, 180_000);

  it('refuses a filter it cannot read, listing every problem, and unknown fields', async () => {
    const res = await post('/management/v1/deliveries/recover', {
      origin: 'https://a.example/path',
      until: 'yesterday',
      endpoint: 'x',
    }).expect(400);
    const paths = (res.body as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['endpoint', 'origin', 'since', 'until']);
  });
});
