import https from 'node:https';
import { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import request from 'supertest';
import { EndpointRegistry } from '@app/delivery';
import { API_KEY, Stack, startStack, transferRequest, waitUntil } from './support/harness';
import { sample, scrape } from './support/metric-sample';
import { OAuth2Server } from './support/oauth2-server';
import { TEST_TLS } from './support/tls-fixture';

describe('enterprise receivers: OAuth2 client credentials and mTLS', () => {
  let stack: Stack;
  let oauth: OAuth2Server;
  let tls: https.Server;
  const tlsCalls: { authorized: boolean; subject?: string; body: string }[] = [];
  const http = () => request(stack.api.getHttpServer());
  const createTransfer = async () =>
    (await http().post('/management/v3/transferprocesses').set('x-api-key', API_KEY).send(transferRequest()).expect(200)).body[
      '@id'
    ] as string;
  // Registered, and known to the dispatcher (events committed before that do not go to it).
  const register = async (body: object) => {
    const { id } = (await http().post('/management/v1/endpoints').set('x-api-key', API_KEY).send(body).expect(201)).body;
    const registry = stack.dispatcher.get(EndpointRegistry);
    await waitUntil(() => registry.settingsOf({ uri: '', registeredId: id }) !== 'deleted', 5000, 'the dispatcher to know the endpoint');
  };

  beforeAll(async () => {
    oauth = await OAuth2Server.start('callback-service', 's3cret:&', 30);
    stack = await startStack(
      () => ({ COUNTERPARTY_MODE: 'manual', EDC_VAULT_SECRETS: 'oauth-client:s3cret:&' }),
      // The resource server: only a valid bearer token gets in.
      (call) => ({ status: call.path !== '/oauth' || oauth.valid(call.headers.authorization as string) ? 200 : 401 }),
    );
    // A receiver that requires a client certificate signed by its CA (the test certificate is its own CA).
    tls = https.createServer(
      { key: TEST_TLS.key, cert: TEST_TLS.cert, ca: TEST_TLS.cert, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
          const socket = req.socket as TLSSocket;
          tlsCalls.push({
            authorized: socket.authorized,
            subject: String(socket.getPeerCertificate().subject?.CN),
            body: Buffer.concat(chunks).toString(),
          });
          res.end('ok');
        });
      },
    );
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await stack?.stop();
    await oauth?.close();
    tls?.closeAllConnections();
    await new Promise((resolve) => tls?.close(resolve));
  });

  it('sends a client-credentials token, shared by the deliveries, renewed once on a 401 and when it expires', async () => {
    const { receiver } = stack;
    await register({
      uri: `${receiver.url}/oauth`,
      events: ['transfer.process.initiated'],
      oauth2: {
        tokenUrl: oauth.tokenUrl,
        clientId: 'callback-service',
        clientSecretAlias: 'oauth-client',
        scope: 'events:write',
        audience: 'https://receiver',
      },
    });
    await Promise.all(Array.from({ length: 5 }, () => createTransfer()));
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/oauth').length >= 5);
    expect(receiver.callsTo('/oauth').every((c) => c.headers.authorization === 'Bearer token-1')).toBe(true);
    expect(oauth.requests).toEqual([{ clientId: 'callback-service', scope: 'events:write', audience: 'https://receiver' }]);

    // Revoked at the server: the receiver answers 401 once, a new token is fetched, the delivery goes through.
    oauth.revokeAll();
    await createTransfer();
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/oauth').length >= 7);
    expect(
      receiver
        .callsTo('/oauth')
        .slice(5)
        .map((c) => c.headers.authorization),
    ).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(oauth.requests).toHaveLength(2);

    // A token whose lifetime is nearly over is replaced before it is used (less than a tenth left).
    oauth.lifetimeS = 1;
    oauth.revokeAll();
    await createTransfer();
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/oauth').length >= 9);
    expect(oauth.requests).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 1000));
    await createTransfer();
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/oauth').length >= 10);
    expect(receiver.callsTo('/oauth').at(-1)!.headers.authorization).toBe('Bearer token-4');
    expect(oauth.requests).toHaveLength(4);
    expect(sample(await scrape(stack.dispatcher), 'callback_oauth2_token_requests_total', { outcome: 'issued' })).toBe(4);
  });

  it('presents the client certificate from the secrets to a receiver that requires one, trusting its CA alias', async () => {
    const pemChainAndKey = `${TEST_TLS.cert}\n${TEST_TLS.key}\n`;
    await http().post('/management/v3/secrets').set('x-api-key', API_KEY).send({ '@id': 'client-cert', value: pemChainAndKey }).expect(200);
    await http().post('/management/v3/secrets').set('x-api-key', API_KEY).send({ '@id': 'receiver-ca', value: TEST_TLS.cert }).expect(200);
    await register({
      uri: `https://127.0.0.1:${(tls.address() as AddressInfo).port}/mtls`,
      events: ['transfer.process.initiated'],
      clientCertificateAlias: 'client-cert',
      caCertificateAlias: 'receiver-ca',
    });
    const id = await createTransfer();
    await stack.receiver.waitFor(() => tlsCalls.some((c) => c.body.includes(id)));
    expect(tlsCalls.find((c) => c.body.includes(id))).toMatchObject({ authorized: true, subject: 'localhost' });
  });
  it('counts token requests by outcome: refused by the token endpoint, and not sent for want of the client secret', async () => {
    const tokenRequests = async (outcome: string) =>
      sample(await scrape(stack.dispatcher), 'callback_oauth2_token_requests_total', { outcome });
    const before = await tokenRequests('refused');
    await register({
      uri: `${stack.receiver.url}/oauth-refused`,
      events: ['transfer.process.initiated'],
      oauth2: { tokenUrl: oauth.tokenUrl, clientId: 'someone-else', clientSecretAlias: 'oauth-client' },
    });
    await createTransfer();
    await waitUntil(async () => (await tokenRequests('refused')) > before, 10_000, 'a refused token request counted');
    expect(stack.receiver.callsTo('/oauth-refused')).toEqual([]);

    const notSent = await tokenRequests('not_sent');
    await register({
      uri: `${stack.receiver.url}/oauth-no-secret`,
      events: ['transfer.process.initiated'],
      oauth2: { tokenUrl: oauth.tokenUrl, clientId: 'callback-service', clientSecretAlias: 'no-such-alias' },
    });
    await createTransfer();
    await waitUntil(async () => (await tokenRequests('not_sent')) > notSent, 10_000, 'a token request not sent counted');
    expect(stack.receiver.callsTo('/oauth-no-secret')).toEqual([]);
  });
});
