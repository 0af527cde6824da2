import net from 'node:net';
import { dropKeys, seedAgreementFor, testConfig, testEnv, transferRequest, API_KEY } from './support/harness';
import { AppProcess, jsonLines, spawnApp, stopApp } from './support/processes';
import { Receiver } from './support/receiver';

const SECRET = 'secret-value-never-logged';

describe('structured logs', () => {
  let env: NodeJS.ProcessEnv;
  let receiver: Receiver;
  let api: AppProcess | undefined;
  let dispatcher: AppProcess | undefined;

  beforeAll(async () => {
    receiver = await Receiver.start();
    env = testEnv({
      COUNTERPARTY_MODE: 'manual',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      API_PORT: '0',
      DISPATCHER_PORT: '0',
      EDC_VAULT_SECRETS: `log-alias:${SECRET}`,
    });
    [api, dispatcher] = await Promise.all([spawnApp('api', env), spawnApp('dispatcher', env)]);
    await seedAgreementFor(testConfig(env as Record<string, string>));
  });

  afterAll(async () => {
    await Promise.all([stopApp(api), stopApp(dispatcher)]);
    await receiver?.close();
    await dropKeys(testConfig(env as Record<string, string>));
  });

  it('writes one JSON line per delivery attempt, with the ids, host, status and latency, and no secret', async () => {
    const callback = `${receiver.url}/hook/path-token?token=query-token`;
    const res = await fetch(`${api!.url}/management/v3/transferprocesses`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
      body: JSON.stringify(
        transferRequest({
          callbackAddresses: [{ uri: callback, events: ['transfer.process'], authKey: 'x-auth', authCodeId: 'log-alias' }],
        }),
      ),
    });
    expect(res.status).toBe(200);
    await receiver.waitFor((calls) => calls.length >= 1);
    expect(receiver.calls[0].headers['x-auth']).toBe(SECRET);
    await new Promise((r) => setTimeout(r, 300));

    const attempts = jsonLines(dispatcher!.output()).filter((l) => l.msg === 'delivery attempt');
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({
      eventId: receiver.calls[0].headers['webhook-id'],
      deliveryId: expect.stringContaining(String(receiver.calls[0].headers['webhook-id'])),
      endpointHost: new URL(receiver.url).host,
      outcome: 'delivered',
      status: 200,
      latencyMs: expect.any(Number),
      level: 30,
    });

    const requests = jsonLines(api!.output()).filter((l) => l.msg === 'request completed');
    expect(requests.some((l) => (l.req as { url: string }).url === '/management/v3/transferprocesses')).toBe(true);
    const everything = api!.output() + dispatcher!.output();
    for (const hidden of [SECRET, 'path-token', 'query-token']) expect(everything).not.toContain(hidden);
    // The start-up banner shows the API key on purpose (a person needs it); no log line does.
    const logLines = everything.split('\n').filter((line) => line.startsWith('{'));
    expect(logLines.join('\n')).not.toContain(API_KEY);
  });

  it('writes "request aborted" for a request whose client went away before its answer, with the path and no query', async () => {
    const { port } = new URL(api!.url);
    // Half a body, then the connection closed: the api is still reading when the client leaves.
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'POST /management/v3/transferprocesses?token=abort-token HTTP/1.1\r\nHost: localhost\r\n' +
        `x-api-key: ${API_KEY}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"@type":`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();

    const aborted = async () => jsonLines(api!.output()).filter((l) => l.msg === 'request aborted');
    for (let i = 0; i < 50 && (await aborted()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await aborted()).toEqual([
      expect.objectContaining({ level: 30, req: { method: 'POST', url: '/management/v3/transferprocesses' } }),
    ]);
    expect(api!.output()).not.toContain('abort-token');
  });
});
