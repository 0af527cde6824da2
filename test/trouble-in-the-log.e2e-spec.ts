/**
 * Issue 10, items 1 and 9: what a caller is not told, the log says. A real api process with
 * JSON logs, on a Redis of its own (made to refuse writes), read from its output.
 */
import { API_KEY, seedAgreementFor, testConfig, testEnv, transferRequest, waitUntil } from './support/harness';
import { DedicatedRedis, freePort } from './support/dedicated-redis';
import { AppProcess, jsonLines, spawnApp, stopApp } from './support/processes';
import { closedPort } from './support/closed-port';

describe('trouble the caller is not told reaches the log', () => {
  let redis: DedicatedRedis;
  let api: AppProcess | undefined;

  beforeAll(async () => {
    redis = new DedicatedRedis(await freePort());
    await redis.start();
    const env = testEnv({ REDIS_URL: redis.url, COUNTERPARTY_MODE: 'manual', LOG_FORMAT: 'json', LOG_LEVEL: 'warn', API_PORT: '0' });
    api = await spawnApp('api', env);
    await seedAgreementFor(testConfig(env as Record<string, string>));
  });

  afterAll(async () => {
    await redis?.cli('CONFIG', 'SET', 'maxmemory', '0');
    await stopApp(api);
    await redis?.kill('SIGTERM');
  });

  const warnings = () =>
    (jsonLines(api!.output()) as { level: number; msg: string; req?: { method: string; url: string } }[]).filter(
      (line) => line.level === 40,
    );
  const send = (path: string, body: object, headers: Record<string, string> = {}) =>
    fetch(`${api!.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('a transactional callback that refused an inbound call: the caller gets a generic 503, the log the reason', async () => {
    const port = await closedPort();
    const created = await send(
      '/management/v1/callbacks',
      { callbackAddresses: [{ uri: `http://127.0.0.1:${port}/hook`, events: ['callback.received'], transactional: true }] },
      { 'x-api-key': API_KEY },
    );
    const { id, callbackUrl } = (await created.json()) as { id: string; callbackUrl: string };

    const call = await send(new URL(callbackUrl).pathname, { paid: true });
    expect(call.status).toBe(503);
    expect(await call.text()).not.toContain('ECONNREFUSED');
    await waitUntil(() => warnings().some((l) => l.msg.includes(`Callback ${id}: call refused`)), 5000, 'the refusal logged');
    const line = warnings().find((l) => l.msg.includes(`Callback ${id}: call refused`))!;
    expect(line.msg).toContain('ECONNREFUSED');
  });

  it('Redis out of memory: the client gets 503, the log names the store, the reason and the request', async () => {
    await redis.cli('CONFIG', 'SET', 'maxmemory', '1');
    const res = await send('/management/v3/transferprocesses', transferRequest(), { 'x-api-key': API_KEY });
    expect(res.status).toBe(503);
    await waitUntil(() => warnings().some((l) => l.msg.startsWith('Store unavailable (out-of-memory)')), 5000, 'the OOM logged');
    const line = warnings().find((l) => l.msg.startsWith('Store unavailable (out-of-memory)'))!;
    expect(line.msg).toContain('OOM command not allowed');
    expect(line.req).toMatchObject({ method: 'POST', url: '/management/v3/transferprocesses' });
  });
});
