import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { INestApplication } from '@nestjs/common';
import { Job } from 'bullmq';
import ipaddr from 'ipaddr.js';
import { AddressPolicy, AppConfig } from '@app/platform';
import { Receiver } from './support/receiver';
import {
  apiClient,
  dropKeys,
  startApi,
  startDispatcher,
  testConfig,
  transferRequest,
  waitUntil,
  openDeliveryQueues,
} from './support/harness';

// NETWORK SAFETY: only loopback is ever connected to. Private, link-local, CGNAT and metadata
// addresses appear only where the product refuses them before any connection: at request time
// (400), in an api-only app that has no dispatcher (so "allowed" ones are never delivered),
// or as static callbacks whose literal address the dispatcher refuses before connecting.

/** A transfer with no dynamic callback: only the static ones get its one event (manual mode). */
const createTransfer = (api: INestApplication) => apiClient(() => api).post('/management/v3/transferprocesses', transferRequest());

const createWith = (api: INestApplication, uri: string) =>
  apiClient(() => api).post(
    '/management/v3/transferprocesses',
    transferRequest({ callbackAddresses: [{ uri, events: ['transfer.process'], transactional: false }] }),
  );

describe('callback addresses in requests', () => {
  describe('with no allow list', () => {
    let config: AppConfig;
    let api: INestApplication;

    beforeAll(async () => {
      config = testConfig({ COUNTERPARTY_MODE: 'manual', CALLBACK_ALLOWED_HOSTS: '' });
      api = await startApi(config);
    });

    afterAll(async () => {
      await api?.close();
      if (config) await dropKeys(config);
    });

    it.each([
      'http://127.0.0.1:9/x',
      'http://10.1.2.3/x',
      'http://172.16.0.1/x',
      'http://192.168.1.1/x',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:9/x',
      'http://[::ffff:127.0.0.1]:9/x',
      'http://100.64.0.1/x',
      'http://localhost:9/x',
      'http://[fd00:ec2::254]/x',
      'http://0.0.0.0/x',
    ])('refuses %s with 400 naming CALLBACK_ALLOWED_HOSTS', async (uri) => {
      const res = await createWith(api, uri);
      expect(res.status).toBe(400);
      expect(res.body).toEqual([
        {
          type: 'ValidationFailure',
          path: 'callbackAddresses[0].uri',
          message: expect.stringContaining('CALLBACK_ALLOWED_HOSTS'),
          invalidValue: uri,
        },
      ]);
    });
  });

  describe('with an allow list (api only: nothing is delivered)', () => {
    let config: AppConfig;
    let api: INestApplication;

    beforeAll(async () => {
      config = testConfig({
        COUNTERPARTY_MODE: 'manual',
        CALLBACK_ALLOWED_HOSTS: '10.0.0.0/8,172.16.0.0/12,192.168.1.1,169.254.169.254,100.64.0.0/10,127.0.0.1,::1,localhost',
      });
      api = await startApi(config);
    });

    afterAll(async () => {
      await api?.close();
      if (config) await dropKeys(config);
    });

    it.each([
      'http://10.1.2.3/x',
      'http://172.16.0.1/x',
      'http://172.31.255.254/x',
      'http://192.168.1.1/x',
      'http://169.254.169.254/latest/meta-data',
      'http://100.64.0.1/x',
      'http://127.0.0.1:9/x',
      'http://[::1]:9/x',
      'http://[::ffff:127.0.0.1]:9/x',
      'http://localhost:9/x',
    ])('accepts %s once listed', async (uri) => {
      const res = await createWith(api, uri);
      expect(res.status).toBe(200);
      expect(res.body['@id']).toEqual(expect.any(String));
    });

    it.each([
      'http://192.168.1.2/x', // only 192.168.1.1 is listed
      'http://169.254.169.253/x',
      'http://[fd00:ec2::254]/x',
      'http://0.0.0.0/x',
    ])('still refuses %s, which the list does not cover', async (uri) => {
      const res = await createWith(api, uri);
      expect(res.status).toBe(400);
      expect(res.body).toEqual([expect.objectContaining({ type: 'ValidationFailure', path: 'callbackAddresses[0].uri' })]);
    });
  });
});

/** A name other than `localhost` that /etc/hosts maps to loopback only, to reach the DNS-time guard. */
async function loopbackAliasFromHostsFile(): Promise<string | undefined> {
  let text: string;
  try {
    text = readFileSync('/etc/hosts', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!address || !ipaddr.isValid(address) || ipaddr.parse(address).range() !== 'loopback') continue;
    for (const name of names) {
      if (!/^[a-z][a-z0-9-]*$/i.test(name) || /localhost/i.test(name)) continue;
      // The name is in /etc/hosts, so this reads the file, not DNS; use it only if every address is loopback.
      const resolved = await lookup(name, { all: true }).catch(() => []);
      if (resolved.length > 0 && resolved.every((a) => ipaddr.parse(a.address).range() === 'loopback')) return name;
    }
  }
  return undefined;
}

describe('the delivery-time guard', () => {
  let receiver4: Receiver;
  let receiver6: Receiver | undefined;
  let ipv6Problem = '';
  let hostsAlias: string | undefined;

  beforeAll(async () => {
    receiver4 = await Receiver.start();
    try {
      receiver6 = await Receiver.start(undefined, '::1');
    } catch (err) {
      ipv6Problem = `cannot listen on [::1] here (${(err as Error).message})`;
    }
    hostsAlias = await loopbackAliasFromHostsFile();
  });

  afterAll(async () => {
    await receiver4?.close();
    await receiver6?.close();
  });

  /** The loopback endpoints, by static id and path. */
  function loopbackCallbacks(): Record<string, string> {
    const port4 = new URL(receiver4.url).port;
    return {
      LOOP4: `http://127.0.0.1:${port4}/a`,
      MAPPED: `http://[::ffff:127.0.0.1]:${port4}/b`,
      NAME: `http://localhost:${port4}/c`,
      ...(receiver6 ? { LOOP6: `${receiver6.url}/d` } : {}),
    };
  }

  function staticEnv(callbacks: Record<string, string>): Record<string, string> {
    return Object.fromEntries(
      Object.entries(callbacks).flatMap(([id, uri]) => [
        [`EDC_CALLBACK_${id}_URI`, uri],
        [`EDC_CALLBACK_${id}_EVENTS`, 'transfer.process'],
      ]),
    );
  }

  async function startDeliveryStack(env: Record<string, string>, overrides: Partial<AppConfig> = {}) {
    const config: AppConfig = { ...testConfig({ COUNTERPARTY_MODE: 'manual', DISPATCH_MAX_ATTEMPTS: '3', ...env }), ...overrides };
    const api = await startApi(config);
    const dispatcher = await startDispatcher(config);
    const deliveries = openDeliveryQueues(config);
    return {
      config,
      api,
      deliveries,
      async stop() {
        await deliveries.close();
        await api.close();
        await dispatcher.close();
        await dropKeys(config);
      },
    };
  }

  const callsTo = (path: string) => [...receiver4.calls, ...(receiver6?.calls ?? [])].filter((c) => c.path === path);

  describe('with no allow list', () => {
    // Literal non-loopback addresses: configured only because the product refuses them before
    // connecting; checked here first, so a regression cannot make this test send a packet.
    const unreachable = { PRIVATE10: 'http://10.1.2.3/x', METADATA: 'http://169.254.169.254/x' };
    let stack: Awaited<ReturnType<typeof startDeliveryStack>>;
    let callbacks: Record<string, string>;

    beforeAll(async () => {
      for (const uri of Object.values(unreachable))
        if (new AddressPolicy([]).refusalForUri(uri) === null)
          throw new Error(`${uri} would not be refused before connecting; not configuring it`);
      callbacks = {
        ...loopbackCallbacks(),
        ...(hostsAlias ? { HOSTSNAME: `http://${hostsAlias}:${new URL(receiver4.url).port}/e` } : {}),
        ...unreachable,
      };
      // Start-up refuses a static callback to a literal private or loopback address that the
      // allow list does not name (libs/platform/src/config/static-callbacks.spec.ts). To reach the
      // dispatcher's own check behind it, the configuration is read with everything allowed and
      // then run with nothing allowed.
      stack = await startDeliveryStack({ CALLBACK_ALLOWED_HOSTS: '0.0.0.0/0,::/0', ...staticEnv(callbacks) }, { allowedHosts: [] });
    });

    afterAll(() => stack?.stop());

    it('fails every one after exactly one attempt as a refused destination, and nothing arrives', async () => {
      const created = await createTransfer(stack.api).expect(200);
      const id = created.body['@id'];
      const uris = Object.values(callbacks);
      const failedOfTransfer = async (): Promise<Job[]> => (await stack.deliveries.getFailed()).filter((j) => j.data.entity.id === id);
      await waitUntil(async () => (await failedOfTransfer()).length >= uris.length, 10_000, `${uris.length} failed deliveries`);
      await new Promise((r) => setTimeout(r, 400));

      const failed = await failedOfTransfer();
      expect(failed.map((j) => j.data.endpoint.uri).sort()).toEqual([...uris].sort());
      for (const job of failed) {
        expect({ uri: job.data.endpoint.uri, attemptsMade: job.attemptsMade }).toEqual({ uri: job.data.endpoint.uri, attemptsMade: 1 });
        expect(job.failedReason).toContain('Refused destination');
      }
      expect(await stack.deliveries.getJobCounts('completed', 'waiting', 'delayed', 'active')).toMatchObject({
        completed: 0,
        waiting: 0,
        delayed: 0,
        active: 0,
      });
      expect(receiver4.calls).toHaveLength(0);
      expect(receiver6?.calls ?? []).toHaveLength(0);
      if (!receiver6) console.warn(`Skipping the [::1] row: ${ipv6Problem}`);
    });

    it('reaches the DNS-time guard with a name that resolves to loopback (not only the literal check)', () => {
      if (!hostsAlias) {
        console.warn('Skipping: /etc/hosts maps no name other than localhost to loopback');
        return;
      }
      // `localhost` and literal addresses are refused before the lookup; this name is refused
      // by the guarded lookup after resolution.
      expect(new AddressPolicy([]).refusalForUri(callbacks.HOSTSNAME)).toBeNull();
      expect(callsTo('/e')).toHaveLength(0);
    });
  });

  describe('with the loopback forms listed', () => {
    let stack: Awaited<ReturnType<typeof startDeliveryStack>>;
    let callbacks: Record<string, string>;

    beforeAll(async () => {
      receiver4.calls.length = 0;
      receiver6?.calls.splice(0);
      callbacks = loopbackCallbacks();
      stack = await startDeliveryStack({ CALLBACK_ALLOWED_HOSTS: '127.0.0.1,::1,localhost', ...staticEnv(callbacks) });
    });

    afterAll(() => stack?.stop());

    it('delivers to 127.0.0.1, [::ffff:127.0.0.1] (127.0.0.1 unwrapped), localhost and [::1]', async () => {
      const created = await createTransfer(stack.api).expect(200);
      const id = created.body['@id'];
      const paths = Object.values(callbacks).map((uri) => new URL(uri).pathname);
      const settled = async () => {
        const failed = (await stack.deliveries.getFailed()).filter((j) => j.data.entity.id === id).length;
        const arrived = paths.filter((p) => callsTo(p).length > 0).length;
        return failed + arrived >= paths.length;
      };
      await waitUntil(settled, 10_000, 'every loopback delivery to arrive or fail');

      const failures = (await stack.deliveries.getFailed()).map((j) => `${j.data.endpoint.uri}: ${j.failedReason}`);
      expect(failures).toEqual([]);
      for (const path of paths) {
        const calls = callsTo(path);
        expect({ path, calls: calls.length }).toEqual({ path, calls: 1 });
        expect(calls[0].json.payload.transferProcessId).toBe(id);
      }
      if (!receiver6) console.warn(`Skipping the [::1] row: ${ipv6Problem}`);
    });
  });
});
