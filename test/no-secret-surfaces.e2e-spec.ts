import { dropKeys, seedAgreementFor, testConfig, testEnv, transferRequest, API_KEY } from './support/harness';
import { AppProcess, spawnApp, stopApp } from './support/processes';
import { Receiver } from './support/receiver';

/**
 * No secret of an endpoint URI in any UI or API answer (issue 22): a dead letter to a URI with a
 * token in its path and in its query is looked at through every surface that shows a delivery
 * (the deliveries API, the delivery console, Bull Board's API, both apps' logs), and none of
 * them holds either token; each shows the URI masked instead.
 */
const PATH_TOKEN = 'abcdEFGH1234ijklMNOP5678';
const QUERY_TOKEN = 's3cret-query-token';

describe('secrets of an endpoint URI', () => {
  let env: NodeJS.ProcessEnv;
  let receiver: Receiver;
  let api: AppProcess | undefined;
  let dispatcher: AppProcess | undefined;

  beforeAll(async () => {
    receiver = await Receiver.start(() => ({ status: 500, body: 'nope' }));
    env = testEnv({
      COUNTERPARTY_MODE: 'manual',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      API_PORT: '0',
      DISPATCHER_PORT: '0',
      DISPATCH_MAX_ATTEMPTS: '2',
    });
    [api, dispatcher] = await Promise.all([spawnApp('api', env, 120_000), spawnApp('dispatcher', env, 120_000)]);
    await seedAgreementFor(testConfig(env as Record<string, string>));
  }, 150_000);

  afterAll(async () => {
    await Promise.all([stopApp(api), stopApp(dispatcher)]);
    await receiver?.close();
    await dropKeys(testConfig(env as Record<string, string>));
  });

  const get = async (path: string) => {
    const res = await fetch(`${api!.url}${path}`, { headers: { 'x-api-key': API_KEY } });
    expect(res.status).toBe(200);
    return res.text();
  };

  it('shows the URI masked on every surface, and neither token anywhere', async () => {
    const uri = `${receiver.url}/hooks/${PATH_TOKEN}/transfers?token=${QUERY_TOKEN}&tenant=acme`;
    const created = await fetch(`${api!.url}/management/v3/transferprocesses`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify(transferRequest({ callbackAddresses: [{ uri, events: ['transfer.process'] }] })),
    });
    expect(created.status).toBe(200);
    const transferId = ((await created.json()) as { '@id': string })['@id'];
    let delivery: { id: string; endpoint: { uri: string } } | undefined;
    for (let i = 0; i < 400 && !delivery; i++) {
      const list = JSON.parse(await get(`/management/v1/deliveries?entityId=${transferId}&status=failed`)) as {
        id: string;
        endpoint: { uri: string };
      }[];
      delivery = list[0];
      if (!delivery) await new Promise((r) => setTimeout(r, 50));
    }
    expect(delivery).toBeDefined();
    const masked = `${receiver.url}/hooks/***/transfers?token=***&tenant=acme`;
    expect(delivery!.endpoint.uri).toBe(masked);

    const queue = (JSON.parse(await get('/admin/queues/api/queues')) as { queues: { name: string }[] }).queues.map((q) => q.name);
    const surfaces: Record<string, string> = {
      'deliveries API list': await get(`/management/v1/deliveries?entityId=${transferId}`),
      'deliveries API search': await get(`/management/v1/deliveries?uri=${encodeURIComponent(uri)}`),
      'deliveries API one': await get(`/management/v1/deliveries/${delivery!.id}`),
      'console list': await get(`/admin/deliveries?entityId=${transferId}`),
      'console delivery': await get(`/admin/deliveries/${encodeURIComponent(delivery!.id)}`),
    };
    for (const name of queue.filter((q) => q.startsWith('deliveries.'))) {
      const page = await get(`/admin/queues/api/queues?activeQueue=${name}&status=failed`);
      if (!page.includes(delivery!.id)) continue;
      surfaces['board jobs'] = page;
      surfaces['board job'] = await get(`/admin/queues/api/queues/${name}/${encodeURIComponent(delivery!.id)}`);
      surfaces['board job logs'] = await get(`/admin/queues/api/queues/${name}/${encodeURIComponent(delivery!.id)}/logs`);
    }
    expect(Object.keys(surfaces)).toContain('board job logs');
    surfaces['api log'] = api!.output();
    surfaces['dispatcher log'] = dispatcher!.output();

    for (const [name, text] of Object.entries(surfaces)) {
      expect({ name, path: text.includes(PATH_TOKEN), query: text.includes(QUERY_TOKEN) }).toEqual({ name, path: false, query: false });
    }
    // Where a surface names the endpoint, it names it masked.
    for (const name of ['deliveries API one', 'board job']) expect(surfaces[name]).toContain(JSON.stringify(masked).slice(1, -1));
    expect(surfaces['console delivery']).toContain(masked.replace(/&/g, '&amp;'));
    // The board shows what and where, the attempts in its log, and no stack trace.
    const job = JSON.parse(surfaces['board job']) as { job: { name: string; stacktrace: string[]; failedReason: string } };
    expect(job.job.name).toBe(`TransferProcessInitiated → ${new URL(receiver.url).host}`);
    expect(job.job.stacktrace).toEqual([]);
    expect(job.job.failedReason).toContain('HTTP 500');
    const logs = JSON.parse(surfaces['board job logs']) as string[];
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatch(/attempt 1 retrying - HTTP 500 in \d+ ms/);
    expect(logs[1]).toMatch(/attempt 2 failed - HTTP 500 in \d+ ms.*reply: "nope"/);
  }, 60_000);
});
