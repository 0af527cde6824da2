import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { TEST_TLS } from './support/tls-fixture';
import { NO_PROXY_SETTINGS } from '@app/platform';
import { createOutboundAgents } from '../libs/delivery/src/outbound-agents';
import { AttemptTimeoutError, postWithDeadline, PostOptions } from '../libs/delivery/src/post-with-deadline';

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

/** A real server on a loopback address; `handler` answers each request once its body is read. */
async function serve(handler: Handler, options: { tls?: boolean; host?: string } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handler(req, body, res));
  };
  const server = options.tls ? https.createServer(TEST_TLS, onRequest) : http.createServer(onRequest);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${shown}:${port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe('postWithDeadline', () => {
  const agents = createOutboundAgents({ proxy: NO_PROXY_SETTINGS, tls: { ca: TEST_TLS.cert } });
  const post = (uri: string, body: string, over: Partial<PostOptions> = {}) => postWithDeadline(uri, body, options(uri, over));
  const options = (uri: string, over: Partial<PostOptions>): PostOptions => ({
    agent: agents.agentFor(uri),
    headers: { 'content-type': 'application/json', 'webhook-id': 'e1' },
    timeoutMs: 2000,
    readLimit: 16,
    ...over,
  });
  const servers: { close(): Promise<void> }[] = [];
  const started = async (handler: Handler, opts?: { tls?: boolean; host?: string }) => {
    const server = await serve(handler, opts);
    servers.push(server);
    return server.url;
  };

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    agents.destroy();
  });

  it('sends the body with a content length and the given headers, and reads the status and Retry-After', async () => {
    let seen: { method?: string; headers?: http.IncomingHttpHeaders; body?: string; url?: string } = {};
    const url = await started((req, body, res) => {
      seen = { method: req.method, headers: req.headers, body, url: req.url };
      res.writeHead(503, { 'retry-after': '7' }).end('busy');
    });
    const reply = await post(`${url}/hook?x=1`, '{"a":"é"}');
    expect(reply).toEqual({ status: 503, retryAfter: '7', head: Buffer.from('busy') });
    expect(seen).toMatchObject({ method: 'POST', url: '/hook?x=1', body: '{"a":"é"}' });
    expect(seen.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': 'e1',
      'content-length': String(Buffer.byteLength('{"a":"é"}')),
    });
    expect(seen.headers!['transfer-encoding']).toBeUndefined();
  });

  it('reads only the first bytes of a long reply', async () => {
    const url = await started((_req, _body, res) => res.end('x'.repeat(100_000)));
    expect((await post(url, '{}')).head.toString()).toBe('x'.repeat(16));
  });

  it('does not follow a redirect', async () => {
    let calls = 0;
    const url = await started((_req, _body, res) => (calls++, res.writeHead(302, { location: '/elsewhere' }).end()));
    expect((await post(url, '{}')).status).toBe(302);
    expect(calls).toBe(1);
  });

  it('gives up when the whole attempt takes longer than the deadline, also while the reply is read', async () => {
    const silent = await started(() => undefined);
    await expect(post(silent, '{}', { timeoutMs: 100 })).rejects.toThrow(new AttemptTimeoutError(100));
    const trickling = await started((_req, _body, res) => res.writeHead(200).write('a'));
    await expect(post(trickling, '{}', { timeoutMs: 100, readLimit: 1024 })).rejects.toBeInstanceOf(AttemptTimeoutError);
  });

  it('fails with the transport error when the reply is cut off or nobody listens', async () => {
    const cut = await started((_req, _body, res) => {
      res.writeHead(200, { 'content-length': '100' }).write('part');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await expect(post(cut, '{}', { readLimit: 1024 })).rejects.toMatchObject({ code: 'ECONNRESET' });
    const closed = await serve(() => undefined);
    await closed.close();
    await expect(post(closed.url, '{}')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('posts over HTTPS, to an IPv6 literal, and sends credentials in the URI as basic auth', async () => {
    const secure = await started((_req, body, res) => res.end(`tls ${body}`), { tls: true });
    expect((await post(`${secure}/x`, 'b')).head.toString()).toBe('tls b');

    let authorization: string | undefined;
    const v6 = await started((req, _body, res) => ((authorization = req.headers.authorization), res.end('v6')), { host: '::1' });
    const withUser = v6.replace('http://', 'http://us%40er:p%3Ass@');
    expect((await post(withUser, '{}')).head.toString()).toBe('v6');
    expect(authorization).toBe(`Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
  });

  it('keeps every socket of a burst open for the next one, so a hundred at once reconnect none', async () => {
    const url = await started((_req, _body, res) => setTimeout(() => res.end('ok'), 20));
    const agent = agents.agentFor(url);
    const origin = `${new URL(url).hostname}:${new URL(url).port}:`;
    const free = () => Object.entries(agent.freeSockets).reduce((n, [name, sockets]) => n + (name === origin ? sockets!.length : 0), 0);
    await Promise.all(Array.from({ length: 100 }, () => post(url, '{}')));
    // Node's default keeps 256 free per origin; a lower cap closed the rest, to be opened again by the next burst.
    expect(free()).toBe(100);
  });
});
