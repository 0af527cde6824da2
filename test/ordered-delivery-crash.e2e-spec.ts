import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AppConfig } from '@app/platform';
import { ReceivedCall, Receiver } from './support/receiver';
import { API_KEY, dropKeys, startApi, testConfig, testEnv } from './support/harness';
import { AppProcess, spawnApp, stopApp } from './support/processes';

const BASE = 'http://callbacks.test';
const OBJECTS = 10;
const EVENTS_PER_OBJECT = 15;

const sequenceOf = (call: ReceivedCall) => Number(call.headers['x-event-sequence']);

/**
 * A dispatcher killed with SIGKILL while ordered sequences are in flight (turns half-ended,
 * deliveries waiting in their lanes, entries read and not acknowledged): another dispatcher
 * finishes them, losing nothing and reordering nothing. Duplicates may come (n, n, n+1), never
 * n+1 before n's first arrival.
 */
describe('ordered delivery across a dispatcher killed with SIGKILL', () => {
  let env: NodeJS.ProcessEnv;
  let config: AppConfig;
  let api: INestApplication;
  let receiver: Receiver;
  let first: AppProcess | undefined;
  let second: AppProcess | undefined;

  beforeAll(async () => {
    env = testEnv({
      DISPATCHER_PORT: '0',
      PUBLIC_BASE_URL: BASE,
      DISPATCH_MAX_ATTEMPTS: '100',
      DISPATCH_BACKOFF_MAX_MS: '300',
      CIRCUIT_FAILURE_THRESHOLD: '1000',
      INBOUND_MAX_CALLS_PER_MINUTE: '100000',
    });
    config = testConfig(env as Record<string, string>);
    // Fails 30% of calls, answers after 0-40 ms: many turns are in flight at any instant.
    receiver = await Receiver.start(() => ({ status: Math.random() < 0.3 ? 503 : 200, delayMs: Math.floor(Math.random() * 40) }));
    api = await startApi(config);
  });

  afterAll(async () => {
    await stopApp(first, 'SIGKILL');
    await stopApp(second);
    await api?.close();
    await receiver?.close();
    await dropKeys(config);
  });

  it('loses no event and keeps every sequence in order', async () => {
    const http = () => request(api.getHttpServer());
    const callbacks = await Promise.all(
      Array.from({ length: OBJECTS }, async () => {
        const res = await http()
          .post('/management/v1/callbacks')
          .set('x-api-key', API_KEY)
          .send({
            responseType: 'response',
            allowMultipleCalls: true,
            callbackAddresses: [{ uri: `${receiver.url}/ordered`, events: ['callback.received'], ordered: true }],
          })
          .expect(201);
        return res.body as { id: string; callbackUrl: string };
      }),
    );
    first = await spawnApp('dispatcher', env);
    const calling = Promise.all(
      callbacks.map(async (cb) => {
        for (let i = 0; i < EVENTS_PER_OBJECT; i++) await http().post(cb.callbackUrl.slice(BASE.length)).send({ i }).expect(200);
      }),
    );
    await receiver.waitFor((calls) => calls.length >= 40, 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const beforeKill = new Set(receiver.calls.map((c) => c.headers['webhook-id'])).size;
    expect(beforeKill).toBeLessThan(OBJECTS * EVENTS_PER_OBJECT);

    second = await spawnApp('dispatcher', env);
    await calling;
    const distinct = () => new Set(receiver.calls.map((c) => c.headers['webhook-id'])).size;
    // A wake-up lost with the killed replica costs at most one re-check (LANE_RECHECK_MS).
    await receiver.waitFor(() => distinct() === OBJECTS * EVENTS_PER_OBJECT, 90_000);

    const seen = new Set<string>();
    const receipts = new Map<string, number[]>();
    for (const call of receiver.calls) {
      const id = call.headers['webhook-id'] as string;
      if (seen.has(id)) continue;
      seen.add(id);
      const object = call.json.payload.callbackId as string;
      receipts.set(object, [...(receipts.get(object) ?? []), sequenceOf(call)]);
    }
    for (const cb of callbacks) expect(receipts.get(cb.id)).toEqual(Array.from({ length: EVENTS_PER_OBJECT }, (_, i) => i + 1));
  }, 150_000);
});
