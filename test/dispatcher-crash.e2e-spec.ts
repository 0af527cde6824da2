import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AppConfig } from '@app/platform';
import { Receiver } from './support/receiver';
import { API_KEY, dropKeys, startApi, testConfig, testEnv, transferRequest } from './support/harness';
import { AppProcess, spawnApp, stopApp } from './support/processes';

const BURST = 60;

describe('a dispatcher killed with SIGKILL during a burst', () => {
  let env: NodeJS.ProcessEnv;
  let config: AppConfig;
  let api: INestApplication;
  let receiver: Receiver;
  let first: AppProcess | undefined;
  let second: AppProcess | undefined;

  beforeAll(async () => {
    // Manual mode: one event (Initiated) per transfer. Slow replies keep deliveries in flight.
    env = testEnv({ COUNTERPARTY_MODE: 'manual', DISPATCH_CONCURRENCY: '4', DISPATCHER_PORT: '0' });
    config = testConfig(env as Record<string, string>);
    receiver = await Receiver.start(() => ({ status: 200, delayMs: 40 }));
    api = await startApi(config);
  });

  afterAll(async () => {
    await stopApp(first, 'SIGKILL');
    await stopApp(second);
    await api?.close();
    await receiver?.close();
    await dropKeys(config);
  });

  it('loses no event: a restarted dispatcher delivers the rest, duplicates keep their webhook-id', async () => {
    first = await spawnApp('dispatcher', env);
    const ids: string[] = [];
    for (let i = 0; i < BURST; i++) {
      const res = await request(api.getHttpServer())
        .post('/management/v3/transferprocesses')
        .set('x-api-key', API_KEY)
        .send(transferRequest({ callbackAddresses: [{ uri: `${receiver.url}/burst`, events: ['transfer.process'] }] }))
        .expect(200);
      ids.push(res.body['@id']);
    }
    await receiver.waitFor((calls) => calls.length >= 5);
    first.child.kill('SIGKILL');
    await first.exited;
    const deliveredBeforeKill = new Set(receiver.calls.map((c) => c.json.payload.transferProcessId)).size;
    expect(deliveredBeforeKill).toBeLessThan(BURST);

    second = await spawnApp('dispatcher', env);
    const received = () => new Set(receiver.calls.map((c) => c.json.payload.transferProcessId));
    await receiver.waitFor(() => ids.every((id) => received().has(id)), 30_000);

    for (const id of ids) {
      const calls = receiver.calls.filter((c) => c.json.payload.transferProcessId === id);
      expect(new Set(calls.map((c) => c.headers['webhook-id'])).size).toBe(1);
    }
  });
});
