import { INestApplication } from '@nestjs/common';

import request from 'supertest';
import { AppConfig } from '@app/platform';
import { API_KEY, dropKeys, startApi, testConfig, testEnv, transferRequest, waitUntil, openDeliveryQueues } from './support/harness';
import { TestDeliveryQueues } from './support/delivery-queues';
import { AttributingReceiver } from './support/attributing-receiver';
import { AppProcess, spawnApp, stopApp } from './support/processes';

/**
 * Two dispatcher processes on one queue share the work: every event is delivered, none twice,
 * and both delivered some. Which process made a call is read from the operating system: the
 * receiver notes the client port of each request and `ss` names the process that owns it.
 */

const TRANSFERS = 200;
const REPLY_DELAY_MS = 20;

describe('two dispatcher processes on one queue', () => {
  let env: NodeJS.ProcessEnv;
  let config: AppConfig;
  let api: INestApplication;
  let deliveries: TestDeliveryQueues;
  const receiver = new AttributingReceiver(REPLY_DELAY_MS);
  let first: AppProcess | undefined;
  let second: AppProcess | undefined;

  beforeAll(async () => {
    // Manual mode: each transfer emits exactly one event (TransferProcessInitiated).
    env = testEnv({ COUNTERPARTY_MODE: 'manual', DISPATCH_LOCK_DURATION_MS: '2000', DISPATCHER_PORT: '0' });
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

  it('deliver every event once between them, both doing some of the work, and stop with exit code 0', async () => {
    [first, second] = await Promise.all([spawnApp('dispatcher', env), spawnApp('dispatcher', env)]);
    const pids = [first.child.pid!, second.child.pid!];

    // Created 10 at a time; one callback URI per transfer, so no endpoint's bulkhead is the limit.
    const transferIds: string[] = [];
    for (let i = 0; i < TRANSFERS; i += 10) {
      const created = await Promise.all(
        Array.from({ length: Math.min(10, TRANSFERS - i) }, (_, j) =>
          request(api.getHttpServer())
            .post('/management/v3/transferprocesses')
            .set('x-api-key', API_KEY)
            .send(transferRequest({ callbackAddresses: [{ uri: `${receiver.url}/t/${i + j}`, events: ['transfer.process'] }] }))
            .expect(200),
        ),
      );
      transferIds.push(...created.map((res) => res.body['@id'] as string));
    }

    const arrived = () => new Set(receiver.calls.map((c) => c.transferProcessId));
    await waitUntil(() => transferIds.every((id) => arrived().has(id)), 40_000, `all ${TRANSFERS} events at the receiver`);
    // Every delivery recorded; then a moment for a late duplicate to show up.
    const delivered = async () =>
      (
        await request(api.getHttpServer())
          .get('/management/v1/deliveries')
          .query({ status: 'delivered', limit: 500 })
          .set('x-api-key', API_KEY)
      ).body.length;
    await waitUntil(async () => (await delivered()) === TRANSFERS, 10_000, 'every delivery recorded as delivered');
    await new Promise((r) => setTimeout(r, 500));

    // Every event delivered, none twice.
    expect(receiver.calls).toHaveLength(TRANSFERS);
    const byWebhookId = new Map<string, number>();
    for (const call of receiver.calls) byWebhookId.set(call.webhookId, (byWebhookId.get(call.webhookId) ?? 0) + 1);
    expect([...byWebhookId.values()].filter((n) => n > 1)).toEqual([]);
    expect(byWebhookId.size).toBe(TRANSFERS);
    expect(await deliveries.getJobCounts('failed', 'active', 'wait', 'delayed')).toEqual({ failed: 0, active: 0, wait: 0, delayed: 0 });

    // Every call came from one of the two processes, and each process delivered some.
    const perProcess = new Map<number | undefined, number>();
    for (const call of receiver.calls) perProcess.set(call.pid, (perProcess.get(call.pid) ?? 0) + 1);
    expect([...perProcess.keys()].filter((pid) => !pids.includes(pid!))).toEqual([]);
    for (const pid of pids) expect(perProcess.get(pid) ?? 0).toBeGreaterThan(0);

    // A clean stop of both.
    first.child.kill('SIGTERM');
    second.child.kill('SIGTERM');
    expect(await Promise.all([first.exited, second.exited])).toEqual([0, 0]);
  }, 120_000);
});
