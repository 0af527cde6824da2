import request from 'supertest';
import { apiClient, Stack, startStack, transferRequest, waitUntil } from './support/harness';
import { sample } from './support/metric-sample';

describe('GET /metrics on api and dispatcher', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(
      () => ({ COUNTERPARTY_MODE: 'manual', CIRCUIT_FAILURE_THRESHOLD: '1', CIRCUIT_OPEN_MS: '60000', DISPATCH_MAX_ATTEMPTS: '5' }),
      (call) => (call.path.startsWith('/broken') ? { status: 500 } : { status: 200 }),
    );
  });

  afterAll(() => stack?.stop());

  const scrape = async (app: 'api' | 'dispatcher') => {
    const res = await request(stack[app].getHttpServer()).get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    return res.text;
  };

  it('needs no key and exposes the counters, histogram, queue depths and Node defaults', async () => {
    const api = await scrape('api');
    const dispatcher = await scrape('dispatcher');
    for (const name of ['callback_queue_jobs', 'process_cpu_user_seconds_total', 'nodejs_eventloop_lag_seconds']) {
      expect(api).toContain(name);
      expect(dispatcher).toContain(name);
    }
    expect(api).toContain('# TYPE callback_events_accepted_total counter');
    expect(dispatcher).toContain('# TYPE callback_delivery_attempts_total counter');
    expect(dispatcher).toContain('# TYPE callback_delivery_attempt_duration_seconds histogram');
    expect(api).toContain('app="api"');
    expect(dispatcher).toContain('app="dispatcher"');
  });

  it('moves when events flow: events accepted by type, attempts by outcome, attempt latency, stream depth', async () => {
    const { post } = apiClient(() => stack.api);
    const before = { api: await scrape('api'), dispatcher: await scrape('dispatcher') };
    for (let i = 0; i < 3; i++)
      await post(
        '/management/v3/transferprocesses',
        transferRequest({ callbackAddresses: [{ uri: `${stack.receiver.url}/ok`, events: ['transfer.process'] }] }),
      ).expect(200);
    await stack.receiver.waitFor((calls) => calls.filter((c) => c.path === '/ok').length >= 3);
    await waitUntil(
      async () => sample(await scrape('dispatcher'), 'callback_delivery_attempts_total', { outcome: 'delivered' }) >= 3,
      5000,
      'the counter',
    );

    const after = { api: await scrape('api'), dispatcher: await scrape('dispatcher') };
    const accepted = (t: string) => sample(t, 'callback_events_accepted_total', { type: 'TransferProcessInitiated' });
    expect(accepted(after.api) - accepted(before.api)).toBe(3);
    const delivered = (t: string) => sample(t, 'callback_delivery_attempts_total', { outcome: 'delivered' });
    expect(delivered(after.dispatcher) - delivered(before.dispatcher)).toBe(3);
    const observed = (t: string) => sample(t, 'callback_delivery_attempt_duration_seconds_count', { outcome: 'delivered' });
    expect(observed(after.dispatcher) - observed(before.dispatcher)).toBe(3);
    // First attempts come straight from the event stream: nothing left for the dispatchers to read.
    expect(sample(after.api, 'callback_event_stream_entries', { group: 'dispatch', state: 'lag' })).toBe(0);
  });

  it('shows an open circuit per endpoint, without its path, query or any secret', async () => {
    const { post } = apiClient(() => stack.api);
    await post('/management/v3/secrets', { '@id': 'metrics-alias', value: 'value-that-must-not-leak' }).expect(200);
    const uri = `${stack.receiver.url}/broken/token-in-path?key=token-in-query`;
    await post(
      '/management/v3/transferprocesses',
      transferRequest({ callbackAddresses: [{ uri, events: ['transfer.process'], authKey: 'x-key', authCodeId: 'metrics-alias' }] }),
    ).expect(200);
    await stack.receiver.waitFor((calls) => calls.some((c) => c.path.startsWith('/broken')));
    await waitUntil(async () => (await scrape('dispatcher')).includes('callback_endpoint_circuit_state{'), 5000, 'an open circuit');

    const text = (await scrape('dispatcher')) + (await scrape('api'));
    expect(sample(text, 'callback_endpoint_circuit_state', { endpoint_host: new URL(uri).host })).toBe(2);
    // The retry that came while it was open waited, counted by why.
    await waitUntil(
      async () => sample(await scrape('dispatcher'), 'callback_deliveries_parked_total', { reason: 'circuit' }) > 0,
      5000,
      'a delivery parked by the circuit',
    );
    for (const secret of ['token-in-path', 'token-in-query', 'value-that-must-not-leak', 'test-api-key'])
      expect(text).not.toContain(secret);
  });
});
