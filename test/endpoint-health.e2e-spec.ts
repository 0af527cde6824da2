import request from 'supertest';
import { EndpointRegistry, EndpointSettings } from '@app/delivery';
import { API_KEY, Stack, startStack, transferRequest, waitUntil } from './support/harness';
import { sample, scrape } from './support/metric-sample';

describe('endpoint health: disabled after failing for ENDPOINT_DISABLE_AFTER, enabled again', () => {
  let stack: Stack;
  let failing = true;
  const http = () => request(stack.api.getHttpServer());
  const createTransfer = async () =>
    (await http().post('/management/v3/transferprocesses').set('x-api-key', API_KEY).send(transferRequest()).expect(200)).body[
      '@id'
    ] as string;
  const deliveriesTo = async (path: string) =>
    (
      (await http().get('/management/v1/deliveries?limit=1000').set('x-api-key', API_KEY).expect(200)).body as {
        endpoint: { uri: string };
        status: string;
      }[]
    ).filter((d) => d.endpoint.uri.endsWith(path));

  beforeAll(async () => {
    stack = await startStack(
      (url) => ({
        COUNTERPARTY_MODE: 'manual',
        ENDPOINT_DISABLE_AFTER: '1s',
        ENDPOINT_DISABLED_RECHECK: '200ms',
        DISPATCH_MAX_ATTEMPTS: '100',
        DISPATCH_BACKOFF_MAX_MS: '200',
        CIRCUIT_OPEN_MS: '100',
        // A static endpoint that watches the others' health.
        EDC_CALLBACK_WATCH_URI: `${url}/watch`,
        EDC_CALLBACK_WATCH_EVENTS: 'endpoint.',
      }),
      (call) => ({ status: call.path === '/flaky' && failing ? 500 : 200 }),
    );
  });

  afterAll(() => stack?.stop());

  it('disables an endpoint that kept failing, holds its deliveries (no dead letter), and sends them once enabled', async () => {
    const { receiver } = stack;
    const body = { uri: `${receiver.url}/flaky`, events: ['transfer.process.initiated'] };
    const { id } = (await http().post('/management/v1/endpoints').set('x-api-key', API_KEY).send(body).expect(201)).body;
    const registry = stack.dispatcher.get(EndpointRegistry);
    await waitUntil(() => registry.settingsOf({ uri: '', registeredId: id }) !== 'deleted', 5000, 'the dispatcher to know the endpoint');
    const first = await createTransfer();

    await receiver.waitFor((calls) => calls.some((c) => c.path === '/watch' && c.json.type === 'EndpointDisabled'), 20_000);
    const disabled = receiver.callsTo('/watch').find((c) => c.json.type === 'EndpointDisabled')!;
    expect(disabled.json.payload).toEqual({ endpointId: id, origin: 'registered', reason: expect.stringContaining('failing') });
    expect(disabled.headers['x-event-sequence']).toBe('1');
    const shown = (await http().get(`/management/v1/endpoints/${id}`).set('x-api-key', API_KEY).expect(200)).body;
    expect(shown).toMatchObject({ disabled: true, disabledBy: 'health' });

    // Once the dispatcher knows (and an attempt already under way has ended), a new delivery
    // waits too, and nothing is sent to the endpoint.
    await waitUntil(
      () => (registry.settingsOf({ uri: '', registeredId: id }) as EndpointSettings).disabled !== null,
      5000,
      'the dispatcher to know',
    );
    // Counted by state on /metrics: the registered one disabled, the static WATCH enabled.
    const metrics = await scrape(stack.dispatcher);
    const endpoints = (source: string, state: string) => sample(metrics, 'callback_endpoints', { source, state });
    expect([endpoints('registered', 'disabled'), endpoints('registered', 'enabled'), endpoints('config', 'enabled')]).toEqual([1, 0, 1]);
    await new Promise((r) => setTimeout(r, 300));
    const second = await createTransfer();
    await waitUntil(async () => (await deliveriesTo('/flaky')).length === 2, 5000, 'both deliveries recorded');
    const sentWhileDisabled = receiver.callsTo('/flaky').length;
    expect(receiver.callsTo('/flaky').some((c) => c.json.payload.transferProcessId === second)).toBe(false);
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.callsTo('/flaky')).toHaveLength(sentWhileDisabled);
    expect((await deliveriesTo('/flaky')).map((d) => d.status)).not.toContain('failed');
    expect(sample(await scrape(stack.dispatcher), 'callback_deliveries_parked_total', { reason: 'endpoint_disabled' })).toBeGreaterThan(0);

    failing = false;
    await http()
      .put(`/management/v1/endpoints/${id}`)
      .set('x-api-key', API_KEY)
      .send({ ...body, disabled: false })
      .expect(200);
    await receiver.waitFor((calls) => calls.some((c) => c.path === '/watch' && c.json.type === 'EndpointEnabled'));
    const enabled = receiver.callsTo('/watch').find((c) => c.json.type === 'EndpointEnabled')!;
    expect(enabled.json.payload).toEqual({ endpointId: id, origin: 'registered', reason: 'enabled through the API' });
    expect(enabled.headers['x-event-sequence']).toBe('2');
    await waitUntil(
      async () => (await deliveriesTo('/flaky')).every((d) => d.status === 'delivered'),
      10_000,
      'the waiting deliveries to be delivered',
    );
    const delivered = receiver.callsTo('/flaky').filter((c) => c.json && [first, second].includes(c.json.payload.transferProcessId));
    expect(new Set(delivered.map((c) => c.json.payload.transferProcessId))).toEqual(new Set([first, second]));
  });

  it('disables and enables a static endpoint through the API only by its disabled flag', async () => {
    await http().put('/management/v1/endpoints/WATCH').set('x-api-key', API_KEY).send({ disabled: true }).expect(200);
    const shown = (await http().get('/management/v1/endpoints/WATCH').set('x-api-key', API_KEY).expect(200)).body;
    expect(shown).toMatchObject({ source: 'config', disabled: true, disabledBy: 'api' });
    await http().put('/management/v1/endpoints/WATCH').set('x-api-key', API_KEY).send({ disabled: false }).expect(200);
    // Its own EndpointDisabled may have waited while it was disabled: both arrive, in either order.
    const own = () => stack.receiver.callsTo('/watch').filter((c) => c.json.payload.endpointId === 'WATCH');
    await waitUntil(() => own().length >= 2, 15_000, 'both status events of WATCH');
    expect(
      own()
        .map((c) => c.json.type)
        .sort(),
    ).toEqual(['EndpointDisabled', 'EndpointEnabled']);
    expect(own().map((c) => c.json.payload.origin)).toEqual(['config', 'config']);
  });
});
