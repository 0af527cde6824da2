import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import { createProxy } from 'proxy';
import { AddressPolicy, AppConfig, NO_PROXY_SETTINGS, ProxySettings } from '@app/platform';
import { createOutboundAgents, DeliveryRecord, OutboundAgents, RefusedDestinationError } from '@app/delivery';
import { postWithDeadline } from '../libs/delivery/src/post-with-deadline';
import { closedPort } from './support/closed-port';
import { apiClient, dropKeys, startApi, startDispatcher, testConfig, transferRequest, waitUntil } from './support/harness';
import { Receiver } from './support/receiver';
import { TEST_TLS } from './support/tls-fixture';

/** A real forward proxy (the `proxy` package: absolute-URI requests and CONNECT) that records what it is asked. */
async function startProxy(port = 0, credentials?: string) {
  const server = createProxy(http.createServer());
  const seen: { method: string; target: string; auth?: string }[] = [];
  server.on('request', (req: http.IncomingMessage) =>
    seen.push({ method: req.method!, target: req.url!, auth: req.headers['proxy-authorization'] }),
  );
  server.on('connect', (req: http.IncomingMessage) =>
    seen.push({ method: 'CONNECT', target: req.url!, auth: req.headers['proxy-authorization'] }),
  );
  if (credentials)
    server.authenticate = (req) => req.headers['proxy-authorization'] === `Basic ${Buffer.from(credentials).toString('base64')}`;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    seen,
    url: `http://${credentials ? `${credentials.split(':').map(encodeURIComponent).join(':')}@` : ''}127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

function proxySettings(env: Record<string, string>): ProxySettings {
  return testConfig(env).proxy;
}

describe('the egress proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)', () => {
  describe('the outbound agents', () => {
    let proxy: Awaited<ReturnType<typeof startProxy>>;
    let tlsReceiver: https.Server;
    let tlsUrl: string;
    const made: OutboundAgents[] = [];
    const agentsFor = (settings: ProxySettings, allowed = ['127.0.0.1']) => {
      const agents = createOutboundAgents({ proxy: settings, policy: new AddressPolicy(allowed), tls: { ca: TEST_TLS.cert } });
      made.push(agents);
      return agents;
    };
    const post = (agents: OutboundAgents, uri: string) =>
      postWithDeadline(uri, '{"a":1}', {
        agent: agents.agentFor(uri),
        headers: { 'content-type': 'application/json' },
        timeoutMs: 2000,
        readLimit: 64,
      });

    beforeAll(async () => {
      proxy = await startProxy(0, 'ops:s3cr%t');
      tlsReceiver = https.createServer(TEST_TLS, (req, res) => {
        req.resume();
        req.on('end', () => res.end(`tls ${req.url}`));
      });
      await new Promise<void>((resolve) => tlsReceiver.listen(0, '127.0.0.1', resolve));
      tlsUrl = `https://127.0.0.1:${(tlsReceiver.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      for (const agents of made) agents.destroy();
      tlsReceiver?.closeAllConnections();
      await new Promise<void>((resolve) => (tlsReceiver ? tlsReceiver.close(() => resolve()) : resolve()));
      await proxy?.close();
    });

    beforeEach(() => proxy.seen.splice(0));

    it('tunnels an HTTPS destination through CONNECT with the proxy credentials, one tunnel for several posts (keep-alive)', async () => {
      const agents = agentsFor(proxySettings({ HTTPS_PROXY: proxy.url }));
      for (let i = 0; i < 3; i++) expect((await post(agents, `${tlsUrl}/hook/${i}`)).head.toString()).toBe(`tls /hook/${i}`);
      const host = new URL(tlsUrl).host;
      expect(proxy.seen).toEqual([{ method: 'CONNECT', target: host, auth: `Basic ${Buffer.from('ops:s3cr%t').toString('base64')}` }]);
    });

    it('goes direct to a host NO_PROXY lists (a CIDR here)', async () => {
      const agents = agentsFor(proxySettings({ HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com,127.0.0.0/8' }));
      expect((await post(agents, `${tlsUrl}/direct`)).status).toBe(200);
      expect(proxy.seen).toEqual([]);
    });

    it('refuses a destination the address policy forbids before the proxy is asked, a name as this host resolves it', async () => {
      const agents = agentsFor(proxySettings({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url }), []);
      const port = new URL(tlsUrl).port;
      await expect(post(agents, `https://localhost:${port}/x`)).rejects.toBeInstanceOf(RefusedDestinationError);
      await expect(post(agents, `http://169.254.169.254/latest/meta-data`)).rejects.toBeInstanceOf(RefusedDestinationError);
      expect(proxy.seen).toEqual([]);
    });

    it('answers the proxy’s refusal as the reply (a 407 for wrong credentials), which the delivery retries', async () => {
      const agents = agentsFor(proxySettings({ HTTP_PROXY: proxy.url.replace('s3cr%25t', 'wrong') }));
      expect((await post(agents, `http://127.0.0.1:9/x`)).status).toBe(407);
    });
  });

  describe('deliveries through the proxy', () => {
    let receiver: Receiver;
    let proxy: Awaited<ReturnType<typeof startProxy>>;
    const apps: INestApplication[] = [];
    const configs: AppConfig[] = [];

    const stack = async (env: Record<string, string>) => {
      const config = testConfig({ COUNTERPARTY_MODE: 'manual', DISPATCH_MAX_ATTEMPTS: '20', ...env });
      configs.push(config);
      const api = await startApi(config);
      apps.push(api, await startDispatcher(config));
      const client = apiClient(() => api);
      const create = async (path: string) => {
        const body = transferRequest({ callbackAddresses: [{ uri: `${receiver.url}${path}`, events: ['transfer.process'] }] });
        return (await client.post('/management/v3/transferprocesses', body).expect(200)).body['@id'] as string;
      };
      const deliveries = async (entityId: string): Promise<DeliveryRecord[]> =>
        (await client.get(`/management/v1/deliveries?entityId=${entityId}`).expect(200)).body;
      return { create, deliveries };
    };

    beforeAll(async () => {
      receiver = await Receiver.start();
      proxy = await startProxy();
    });

    afterAll(async () => {
      for (const app of apps) await app.close();
      for (const config of configs) await dropKeys(config);
      await proxy?.close();
      await receiver?.close();
    });

    beforeEach(() => proxy.seen.splice(0));

    it('posts an http:// callback through HTTP_PROXY as an absolute-URI request, and direct when NO_PROXY matches', async () => {
      const proxied = await stack({ HTTP_PROXY: proxy.url });
      await proxied.create('/via-proxy');
      await receiver.waitFor((calls) => calls.some((c) => c.path === '/via-proxy'));
      expect(proxy.seen).toEqual([{ method: 'POST', target: `${receiver.url}/via-proxy`, auth: undefined }]);

      const bypassing = await stack({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
      await bypassing.create('/direct');
      await receiver.waitFor((calls) => calls.some((c) => c.path === '/direct'));
      expect(proxy.seen.map((s) => s.target)).not.toContain(`${receiver.url}/direct`);
    });

    it('retries while the proxy is down, like a network error, and delivers once it is up', async () => {
      const port = await closedPort();
      const { create, deliveries } = await stack({ http_proxy: `http://127.0.0.1:${port}`, CIRCUIT_OPEN_MS: '200' });
      const id = await create('/after-proxy-down');
      let record: DeliveryRecord | undefined;
      await waitUntil(async () => ((record = (await deliveries(id))[0])?.attempts.length ?? 0) >= 2, 15_000, 'two attempts');
      expect(record!.status).toBe('retrying');
      expect(record!.attempts[0].error).toMatch(/ECONNREFUSED/);
      expect(receiver.callsTo('/after-proxy-down')).toHaveLength(0);

      const revived = await startProxy(port);
      try {
        await receiver.waitFor((calls) => calls.some((c) => c.path === '/after-proxy-down'));
        expect(revived.seen.some((s) => s.target === `${receiver.url}/after-proxy-down`)).toBe(true);
      } finally {
        await revived.close();
      }
    });
  });
});

// The proxy URL's credentials never reach a log line or an error: only `Proxy-Authorization` carries them.
describe('proxy credentials', () => {
  it('are not in the configuration problem of an invalid proxy variable', () => {
    expect(() => testConfig({ HTTPS_PROXY: 'ftp://user:hunter2@proxy' })).toThrow(/HTTPS_PROXY/);
    expect(() => testConfig({ HTTPS_PROXY: 'ftp://user:hunter2@proxy' })).not.toThrow(/hunter2/);
    expect(NO_PROXY_SETTINGS.noProxy).toEqual([]);
  });
});
