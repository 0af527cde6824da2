import { Readable } from 'node:stream';
import { loadConfig } from '@app/platform';
import { AttemptOutcome, CallbackSender } from './callback-sender.service';
import { DeliveryJobData } from './delivery-job';
import { RefusedDestinationError } from './guarded-lookup';
import { SecretResolver } from './secret-resolver.service';
import { DeliverySigner } from './signing';

// No HTTP server: the sender's HTTP client stands in for the receiver, answering each POST with
// the status, headers and body a test gives it (or failing as the network would).
const mockPost = jest.fn();
jest.mock('axios', () => ({ __esModule: true, default: { create: () => ({ post: (...args: unknown[]) => mockPost(...args) }) } }));

type Reply = { status: number; headers?: Record<string, string>; body?: string };
const answer = ({ status, headers = {}, body = '' }: Reply) => mockPost.mockResolvedValueOnce({ status, headers, data: Readable.from([Buffer.from(body)]) });
const fail = (err: Error) => mockPost.mockRejectedValueOnce(err);
const networkError = (code: string, message: string) => Object.assign(new Error(message), { code });

const SECRETS: Record<string, string> = { 'hook-token': 's3cr3t-t0ken', 'bad-value': 'line\nbreak' };
const secrets = { resolve: async (alias: string) => SECRETS[alias] ?? null } as unknown as SecretResolver;

function sender(env: Record<string, string> = {}) {
  const config = loadConfig(env);
  return new CallbackSender(config, secrets, new DeliverySigner(config));
}

const job = (endpoint: Partial<DeliveryJobData['endpoint']> = {}): DeliveryJobData => ({
  eventId: 'evt-1',
  eventType: 'TransferProcessStarted',
  entity: { kind: 'transferprocess', id: 'tp-1' },
  sequence: 3,
  endpoint: { uri: 'https://hooks.example/cb', ...endpoint },
});

const BODY = '{"id":"evt-1"}';
const send = (data = job(), env?: Record<string, string>): Promise<AttemptOutcome> => sender(env).send(data, BODY);

describe('CallbackSender: what one attempt comes to', () => {
  beforeEach(() => mockPost.mockReset());

  it.each([200, 201, 202, 204, 299])('counts HTTP %i as delivered', async (status) => {
    answer({ status, body: 'thanks' });
    expect(await send()).toMatchObject({ ok: true, final: false, status, response: 'thanks' });
  });

  it.each([400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504])('counts HTTP %i as a failure worth retrying', async (status) => {
    answer({ status });
    expect(await send()).toMatchObject({ ok: false, final: false, status, error: `HTTP ${status}` });
  });

  it('counts HTTP 410 Gone as a final failure: the receiver says never to call again', async () => {
    answer({ status: 410 });
    expect(await send()).toMatchObject({ ok: false, final: true, status: 410, error: 'HTTP 410' });
  });

  it.each([301, 302, 307, 308])('does not follow a redirect (%i) and says so', async (status) => {
    answer({ status, headers: { location: 'https://elsewhere.example/' } });
    expect(await send()).toMatchObject({ ok: false, final: false, status, error: `HTTP ${status} (redirects are not followed)` });
  });

  it.each([429, 503])("keeps a %i's Retry-After, in milliseconds", async (status) => {
    answer({ status, headers: { 'retry-after': '120' } });
    expect((await send()).retryAfterMs).toBe(120_000);
  });

  it('ignores Retry-After on other failures', async () => {
    answer({ status: 500, headers: { 'retry-after': '120' } });
    expect(await send()).not.toHaveProperty('retryAfterMs');
  });

  it('keeps only the first 1 KiB of a reply', async () => {
    answer({ status: 500, body: 'x'.repeat(5000) });
    expect((await send()).response).toHaveLength(1024);
  });

  it('counts a refused connection as a failure worth retrying, without a status', async () => {
    fail(networkError('ECONNREFUSED', 'connect ECONNREFUSED 203.0.113.1:443'));
    const outcome = await send();
    expect(outcome).toMatchObject({ ok: false, final: false, error: 'ECONNREFUSED: connect ECONNREFUSED 203.0.113.1:443' });
    expect(outcome.status).toBeUndefined();
  });

  it.each([
    ['ECONNABORTED', networkError('ECONNABORTED', 'timeout of 10000ms exceeded')],
    ['ETIMEDOUT', networkError('ETIMEDOUT', 'read ETIMEDOUT')],
    ['an abort', Object.assign(new Error('canceled'), { name: 'CanceledError', code: 'ERR_CANCELED' })],
  ])('reports %s as a timeout after DISPATCH_TIMEOUT_MS, worth retrying', async (_what, err) => {
    fail(err);
    expect(await send(job(), { DISPATCH_TIMEOUT_MS: '2500' })).toMatchObject({ ok: false, final: false, error: 'Timed out after 2500 ms' });
  });

  it('counts a host whose name resolves to a private address as a final failure', async () => {
    fail(Object.assign(new Error('getaddrinfo'), { cause: new RefusedDestinationError('10.0.0.5 is a private address') }));
    expect(await send()).toMatchObject({ ok: false, final: true, error: 'Refused destination: 10.0.0.5 is a private address' });
  });

  it.each([['http://127.0.0.1:9/cb'], ['http://localhost/cb'], ['http://169.254.169.254/latest'], ['http://[::1]/cb']])(
    'refuses %s for good without sending anything',
    async (uri) => {
      const outcome = await send(job({ uri }));
      expect(outcome).toMatchObject({ ok: false, final: true, latencyMs: 0 });
      expect(outcome.error).toMatch(/^Refused destination: /);
      expect(mockPost).not.toHaveBeenCalled();
    },
  );

  it('sends to a private address listed in CALLBACK_ALLOWED_HOSTS', async () => {
    answer({ status: 204 });
    expect(await send(job({ uri: 'http://127.0.0.1:9/cb' }), { CALLBACK_ALLOWED_HOSTS: '127.0.0.1' })).toMatchObject({ ok: true });
  });

  it('fails for good, without sending, when the authCodeId names no secret', async () => {
    expect(await send(job({ authCodeId: 'missing' }))).toEqual({ ok: false, final: true, latencyMs: 0, error: 'No secret with alias "missing" (authCodeId)' });
    expect(mockPost).not.toHaveBeenCalled();
  });

  it('fails for good, without sending, when the secret cannot be a header value', async () => {
    expect(await send(job({ authCodeId: 'bad-value' }))).toMatchObject({ ok: false, final: true, error: 'The secret "bad-value" (authCodeId) is not a valid header value; not sent' });
    expect(mockPost).not.toHaveBeenCalled();
  });

  it('fails for good, without sending, when the authKey is a header the service sets itself', async () => {
    const outcome = await send(job({ authKey: 'webhook-signature', authCodeId: 'hook-token' }));
    expect(outcome).toMatchObject({ ok: false, final: true });
    expect(outcome.error).toMatch(/^authKey "webhook-signature" .*; not sent$/);
    expect(mockPost).not.toHaveBeenCalled();
  });

  it("sends the secret in the endpoint's authKey header (authorization by default) with the Standard Webhooks headers", async () => {
    answer({ status: 204 });
    answer({ status: 204 });
    await send(job({ authCodeId: 'hook-token' }), { CALLBACK_SIGNING_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    await send(job({ authKey: 'X-Api-Key', authCodeId: 'hook-token' }));
    const [[uri, body, { headers }], [, , second]] = mockPost.mock.calls;
    expect(uri).toBe('https://hooks.example/cb');
    expect(body).toBe(BODY);
    expect(headers).toMatchObject({ 'content-type': 'application/json', 'webhook-id': 'evt-1', 'x-event-sequence': '3', authorization: 's3cr3t-t0ken' });
    expect(headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(second.headers).toMatchObject({ 'x-api-key': 's3cr3t-t0ken' });
    expect(second.headers).not.toHaveProperty('webhook-signature');
  });

  it('never keeps the secret it sent when the receiver echoes it back', async () => {
    answer({ status: 400, body: JSON.stringify({ headers: { authorization: 's3cr3t-t0ken' } }) });
    fail(networkError('EPROTO', 'bad reply to s3cr3t-t0ken'));
    const [echoed, failed] = [await send(job({ authCodeId: 'hook-token' })), await send(job({ authCodeId: 'hook-token' }))];
    expect(echoed.response).toBe('{"headers":{"authorization":"***"}}');
    expect(failed.error).toBe('EPROTO: bad reply to ***');
  });
});
