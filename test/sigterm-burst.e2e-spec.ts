import { INestApplication } from '@nestjs/common';

import request from 'supertest';
import { deliveryJobId } from '@app/delivery';
import { AppConfig } from '@app/platform';
import { API_KEY, dropKeys, startApi, testConfig, testEnv, transferRequest, waitUntil, openDeliveryQueues } from './support/harness';
import { TestDeliveryQueues } from './support/delivery-queues';
import { AttributingReceiver } from './support/attributing-receiver';
import { AppProcess, spawnApp, stopApp } from './support/processes';

/**
 * DESIGN.md "Operations": SIGTERM stops taking jobs, finishes those in flight, closes
 * connections and exits 0. So a dispatcher stopped during a burst completes, exactly once,
 * every delivery it had in flight, and a second replica delivers the rest, none twice.
 */

const BURST = 60;
const REPLY_DELAY_MS = 300;
const SHUTDOWN_GRACE_MS = 15_000;

const countBy = <T, K>(items: T[], key: (item: T) => K) => {
  const counts = new Map<K, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};

describe('SIGTERM to a dispatcher during a burst', () => {
  let env: NodeJS.ProcessEnv;
  let config: AppConfig;
  let api: INestApplication;
  let deliveries: TestDeliveryQueues;
  const receiver = new AttributingReceiver(REPLY_DELAY_MS);
  let first: AppProcess | undefined;
  let second: AppProcess | undefined;

  beforeAll(async () => {
    // Manual mode: one event per transfer. Four slots and slow replies: the burst queues up.
    // Locks of 10 s: a job may not go stalled just because a loaded machine starves a process
    // for a second or two (that redelivery is at-least-once by design, not what is tested here).
    env = testEnv({
      COUNTERPARTY_MODE: 'manual',
      DISPATCH_LOCK_DURATION_MS: '10000',
      DISPATCH_CONCURRENCY: '4',
      // Every URI is on the receiver's host: let that host have all four slots.
      DISPATCH_HOST_CONCURRENCY: '4',
      SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
      DISPATCHER_PORT: '0',
    });
    config = testConfig(env as Record<string, string>);
    await receiver.start();
    api = await startApi(config);
    deliveries = openDeliveryQueues(config);
  });

  afterAll(async () => {
    await stopApp(first, 'SIGKILL');
    await stopApp(second, 'SIGKILL');
    await api?.close();
    await deliveries?.close();
    await receiver.close();
    await dropKeys(config);
  });

  it('exits 0 having completed what was in flight exactly once; a second replica delivers the rest, none twice', async () => {
    first = await spawnApp('dispatcher', env);
    const firstPid = first.child.pid!;

    // One callback URI per transfer, so the per-endpoint bulkhead does not serialise the burst.
    const transferIds: string[] = [];
    for (let i = 0; i < BURST; i += 10) {
      const created = await Promise.all(
        Array.from({ length: Math.min(10, BURST - i) }, (_, j) =>
          request(api.getHttpServer())
            .post('/management/v3/transferprocesses')
            .set('x-api-key', API_KEY)
            .send(transferRequest({ callbackAddresses: [{ uri: `${receiver.url}/t/${i + j}`, events: ['transfer.process'] }] }))
            .expect(200),
        ),
      );
      transferIds.push(...created.map((res) => res.body['@id'] as string));
    }

    // Signal while the receiver holds several deliveries it has not answered yet.
    await waitUntil(() => receiver.inFlight().length >= 3, 15_000, 'three deliveries in flight');
    const inFlight = receiver.inFlight();
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    const code = await first.exited;
    const exitedAt = Date.now();

    // A clean stop: exit 0 (its output shown if not), within the grace period.
    expect({ code, output: first.output() }).toEqual({ code: 0, output: expect.any(String) });
    expect(exitedAt - signalledAt).toBeLessThan(SHUTDOWN_GRACE_MS);
    expect(receiver.calls.length).toBeLessThan(BURST);

    // Every delivery in flight at the signal was answered to A, before A exited.
    expect(inFlight.map((c) => ({ id: c.webhookId, pid: c.pid, abandoned: c.abandoned, answered: c.answeredAt !== undefined }))).toEqual(
      inFlight.map((c) => ({ id: c.webhookId, pid: firstPid, abandoned: false, answered: true })),
    );
    for (const call of inFlight) expect(call.answeredAt!).toBeLessThanOrEqual(exitedAt);

    // ... and A recorded it: the log shows one successful attempt, and no job was needed.
    for (const call of inFlight) {
      expect(await deliveries.getJob(deliveryJobId(call.webhookId, call.uri))).toBeUndefined();
      const log = await request(api.getHttpServer())
        .get('/management/v1/deliveries')
        .query({ eventId: call.webhookId })
        .set('x-api-key', API_KEY)
        .expect(200);
      expect(log.body).toHaveLength(1);
      expect(log.body[0]).toMatchObject({ eventId: call.webhookId, status: 'delivered' });
      expect(log.body[0].attempts).toHaveLength(1);
      expect(log.body[0].attempts[0]).toMatchObject({ attempt: 1, status: 200, outcome: 'delivered' });
    }

    // Nothing was sent by A after it exited; nothing at all while no dispatcher runs.
    expect(receiver.calls.filter((c) => c.receivedAt > exitedAt)).toEqual([]);
    const byFirst = receiver.calls.length;

    // A second replica delivers the rest.
    second = await spawnApp('dispatcher', env);
    const secondPid = second.child.pid!;
    const arrived = () => new Set(receiver.calls.map((c) => c.transferProcessId));
    await waitUntil(() => transferIds.every((id) => arrived().has(id)), 40_000, `all ${BURST} events at the receiver`);
    const delivered = async () =>
      (
        await request(api.getHttpServer())
          .get('/management/v1/deliveries')
          .query({ status: 'delivered', limit: 500 })
          .set('x-api-key', API_KEY)
      ).body.length;
    await waitUntil(async () => (await delivered()) === BURST, 10_000, 'every delivery recorded as delivered');
    await new Promise((r) => setTimeout(r, 500));

    const later = receiver.calls.slice(byFirst);
    expect(later.length).toBeGreaterThan(0);
    expect(later.filter((c) => c.pid !== secondPid)).toEqual([]);
    expect(receiver.calls.slice(0, byFirst).filter((c) => c.pid !== firstPid)).toEqual([]);

    // Every event arrived, and none twice: in particular none of those in flight at the signal.
    const perEvent = countBy(receiver.calls, (c) => c.webhookId);
    expect([...perEvent].filter(([, n]) => n > 1)).toEqual([]);
    expect(perEvent.size).toBe(BURST);
    expect(receiver.calls).toHaveLength(BURST);
    expect(await deliveries.getJobCounts('failed', 'active', 'wait', 'delayed')).toEqual({ failed: 0, active: 0, wait: 0, delayed: 0 });

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000);
});
