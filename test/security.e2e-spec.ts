import request from 'supertest';

import { connectRedis } from '@app/platform';
import { API_KEY, apiClient, Stack, startStack, transferRequest, openDeliveryQueues } from './support/harness';
import { allStreams } from './support/redis-keys';

const PROTECTED = /^\/(management|signaling|admin)(\/|$)/;

/** A concrete path for a route pattern: parameters filled with plausible values. */
const concrete = (path: string) => path.replace(/:signal/g, 'started').replace(/:[A-Za-z]+/g, 'some-id');

describe('nothing under /management, /signaling or /admin without the API key', () => {
  let stack: Stack;
  let routes: { method: string; path: string }[];

  beforeAll(async () => {
    // Every method + path the api serves, as it registers them (so a new route cannot be forgotten).
    const registered: { method: string; path: string }[] = [];
    stack = await startStack(
      () => ({
        COUNTERPARTY_MODE: 'manual',
        EDC_VAULT_SECRETS: 'sec-alias:vault-secret-value',
        CALLBACK_SIGNING_SECRET: 'whsec_c2VjdXJpdHktdGVzdC1zaWduaW5nLXNlY3JldA==',
      }),
      undefined,
      { routes: registered },
    );
    routes = registered.filter((r) => PROTECTED.test(r.path) && r.method !== 'HEAD' && r.method !== 'OPTIONS');
  });

  afterAll(() => stack?.stop());

  it('finds the routes from the app itself (so a new route cannot be forgotten here)', () => {
    const paths = routes.map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'POST /management/v3/transferprocesses',
        'GET /management/v3/contractnegotiations/:id/agreement',
        'POST /signaling/v1/transferprocesses/:id/:signal',
        'GET /management/v1/deliveries',
        'POST /management/v1/callbacks',
        'DELETE /management/v3/secrets/:id',
      ]),
    );
    expect(routes.length).toBeGreaterThan(30);
  });

  it('answers 401 AuthenticationFailed to every protected route without the key, with a wrong one, or with a near miss', async () => {
    const server = stack.api.getHttpServer();
    // (Trailing spaces are no near miss: HTTP strips them from header values.)
    const wrongKeys: (string | undefined)[] = [undefined, 'wrong', `${API_KEY}x`, API_KEY.toUpperCase(), API_KEY.slice(0, -1)];
    for (const { method, path } of [
      ...routes,
      { method: 'get', path: '/admin/queues' },
      { method: 'get', path: '/management/nothing-here' },
      // The router decodes escapes and ignores case and a trailing slash: these reach real routes.
      { method: 'get', path: '/%6Danagement/v3/secrets/some-id' },
      { method: 'post', path: '/Management/v3/transferprocesses/request' },
      { method: 'post', path: '/signaling/v1/transferprocesses/some-id/started/' },
    ]) {
      for (const key of wrongKeys) {
        const req = (request(server) as unknown as Record<string, (p: string) => request.Test>)[method.toLowerCase()](concrete(path));
        if (key !== undefined) req.set('x-api-key', key);
        const res = await req.send({});
        expect({ route: `${method} ${path}`, key, status: res.status }).toEqual({ route: `${method} ${path}`, key, status: 401 });
        expect(res.body[0]?.type).toBe('AuthenticationFailed');
      }
    }
    // Basic auth with a wrong password is refused the same way.
    await request(server).get('/admin/queues/api/queues').auth('admin', 'wrong').expect(401);
  });

  it('keeps secret values out of queue job data (auth is resolved at delivery), responses and the delivery log', async () => {
    const { get, post } = apiClient(() => stack.api);
    await post('/management/v3/secrets', { '@id': 'api-alias', value: 'api-secret-value' }).expect(200);
    const res = await post(
      '/management/v3/transferprocesses',
      transferRequest({
        callbackAddresses: [
          { uri: `${stack.receiver.url}/a`, events: ['transfer.process'], authKey: 'x-a', authCodeId: 'api-alias' },
          { uri: `${stack.receiver.url}/b`, events: ['transfer.process'], authKey: 'x-b', authCodeId: 'sec-alias' },
        ],
      }),
    ).expect(200);
    await stack.receiver.waitFor((calls) => calls.length >= 2);
    expect(stack.receiver.callsTo('/a')[0].headers['x-a']).toBe('api-secret-value');

    const queues = [openDeliveryQueues(stack.config)];
    const redis = connectRedis(stack.config.redisUrl);
    try {
      const jobs = (await Promise.all(queues.map((q) => q.getJobs(['completed', 'failed', 'waiting', 'active', 'delayed'])))).flat();
      const entries = (await Promise.all(allStreams(stack.config).map((key) => redis.xrange(key, '-', '+')))).flat();
      expect(entries.length).toBeGreaterThanOrEqual(1);
      const stored =
        JSON.stringify(jobs.map((j) => j.data)) +
        JSON.stringify(entries) +
        JSON.stringify((await get(`/management/v1/deliveries?entityId=${res.body['@id']}`)).body);
      const responses =
        JSON.stringify((await get('/management/v3/secrets')).body) + JSON.stringify((await get('/management/v3/secrets/api-alias')).body);
      for (const secret of ['api-secret-value', 'vault-secret-value', 'whsec_c2VjdXJpdHktdGVzdC1zaWduaW5nLXNlY3JldA==', API_KEY]) {
        expect(stored).not.toContain(secret);
        expect(responses).not.toContain(secret);
      }
      // The alias, not the value, is what the event carries.
      expect(stored).toContain('api-alias');
    } finally {
      redis.disconnect();
      await Promise.all(queues.map((q) => q.close()));
    }
  });
});
