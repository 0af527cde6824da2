import { INestApplication } from '@nestjs/common';

import Redis from 'ioredis';
import { DeliveryRecord, eventIdOf } from '@app/delivery';
import { MAX_CALLBACK_ADDRESSES } from '@app/events';
import { AppConfig, connectRedis } from '@app/platform';
import {
  apiClient,
  dropKeys,
  Stack,
  startApi,
  startStack,
  testConfig,
  transferRequest,
  waitUntil,
  openDeliveryQueues,
} from './support/harness';
import { allStreams, keyOf } from './support/redis-keys';
import { TestDeliveryQueues } from './support/delivery-queues';

/**
 * Issue 10, validation items: header names and secret aliases of callback addresses (12), the
 * cap on callback addresses and event filters (5), URI and host name lengths, paging bounds and
 * retrying a dead letter whose log record has expired (16), and what a receiver is shown of the
 * other callback addresses (the "also decide" paragraph).
 */

const TRANSFERS = '/management/v3/transferprocesses';
const NEGOTIATIONS = '/management/v3/contractnegotiations';
const INBOUND = '/management/v1/callbacks';

const contractRequest = (extra: Record<string, unknown> = {}) => ({
  counterPartyAddress: 'http://provider.example/api/dsp',
  protocol: 'dataspace-protocol-http',
  policy: { '@type': 'odrl:Offer', '@id': 'offer-1', assigner: 'provider-1', target: 'asset-1' },
  ...extra,
});

const address = (extra: Record<string, unknown> = {}) => ({ uri: 'https://cb.example/hook', events: ['transfer.process'], ...extra });
const addresses = (n: number) => Array.from({ length: n }, (_, i) => address({ uri: `https://cb${i}.example/hook` }));

type EdcError = { message: string; type: string; path: string | null; invalidValue: unknown };
const pathsOf = (body: EdcError[]) => body.map((e) => e.path).sort();

describe('validation hardening (api only)', () => {
  let config: AppConfig;
  let api: INestApplication;
  let redis: Redis;
  const client = apiClient(() => api);
  const committedEvents = async () => (await Promise.all(allStreams(config).map((key) => redis.xlen(key)))).reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    config = testConfig({ COUNTERPARTY_MODE: 'manual', CALLBACK_ALLOWED_HOSTS: '' });
    api = await startApi(config);
    redis = connectRedis(config.redisUrl);
  });

  afterAll(async () => {
    redis?.disconnect();
    await api?.close();
    if (config) await dropKeys(config);
  });

  /** Expects a 400 ValidationFailure whose problems are exactly at `paths`; returns them. */
  const expect400 = async (path: string, body: object, paths: string[]): Promise<EdcError[]> => {
    const res = await client.post(path, body);
    expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: expect.any(Array) });
    for (const error of res.body as EdcError[]) expect(error).toMatchObject({ type: 'ValidationFailure', message: expect.any(String) });
    expect(pathsOf(res.body)).toEqual([...paths].sort());
    return res.body;
  };

  describe('authKey: an HTTP header token, and no header the request depends on', () => {
    it.each([
      'Host',
      'content-length',
      'Transfer-Encoding',
      'Connection',
      'Keep-Alive',
      'Upgrade',
      'TE',
      'Trailer',
      'Proxy-Authorization',
      'Content-Type',
      'webhook-id',
      'Webhook-Signature',
      'webhook-timestamp',
      'X-Event-Sequence',
    ])('400 for the reserved name %s', async (authKey) => {
      const [error] = await expect400(TRANSFERS, transferRequest({ callbackAddresses: [address({ authKey, authCodeId: 'alias' })] }), [
        'callbackAddresses[0].authKey',
      ]);
      expect(error.message).toContain('callbackAddresses[0].authKey must not be');
      expect(error.invalidValue).toBe(authKey);
    });

    it.each(['X Key', 'X-Key\r\nEvil: 1', 'X-Key\n', 'Schlüssel', 'a:b', '', 'x'.repeat(257)])(
      '400 for %j, which is not a header name',
      async (authKey) => {
        await expect400(TRANSFERS, transferRequest({ callbackAddresses: [address({ authKey, authCodeId: 'alias' })] }), [
          'callbackAddresses[0].authKey',
        ]);
      },
    );

    it('accepts a token such as X-Api-Key, and keeps it (and the alias) on the stored object', async () => {
      const created = await client
        .post(TRANSFERS, transferRequest({ callbackAddresses: [address({ authKey: 'X-Api-Key', authCodeId: 'my.secret-1' })] }))
        .expect(200);
      const stored = await client.get(`${TRANSFERS}/${created.body['@id']}`).expect(200);
      expect(stored.body.callbackAddresses).toEqual([
        { '@type': 'CallbackAddress', ...address(), transactional: false, authKey: 'X-Api-Key', authCodeId: 'my.secret-1' },
      ]);
    });
  });

  describe('authCodeId: a sane alias', () => {
    it.each(['__proto__', 'constructor', 'prototype', 'a\nb', 'tab\there', 'nul\u0000', '', 'x'.repeat(257)])(
      '400 for %j',
      async (authCodeId) => {
        await expect400(TRANSFERS, transferRequest({ callbackAddresses: [address({ authKey: 'X-Api-Key', authCodeId })] }), [
          'callbackAddresses[0].authCodeId',
        ]);
        // Without authKey (the secret then goes in Authorization) the same rules hold.
        await expect400(TRANSFERS, transferRequest({ callbackAddresses: [address({ authCodeId })] }), ['callbackAddresses[0].authCodeId']);
      },
    );

    it('lists every problem of several addresses and fields at once', async () => {
      await expect400(
        TRANSFERS,
        {
          protocol: 'dataspace-protocol-http',
          callbackAddresses: [
            address({ authKey: 'Host', authCodeId: '__proto__' }),
            address({ authKey: 'Content-Length' }),
            address({ authCodeId: 'a\r\nb' }),
          ],
        },
        [
          'callbackAddresses[0].authKey',
          'callbackAddresses[0].authCodeId',
          'callbackAddresses[1].authKey',
          'callbackAddresses[1].authCodeId',
          'callbackAddresses[2].authCodeId',
          'contractId',
          'counterPartyAddress',
          'transferType',
        ],
      );
    });

    it('applies to negotiations and inbound callbacks too', async () => {
      await expect400(NEGOTIATIONS, contractRequest({ callbackAddresses: [address({ authKey: 'Host', authCodeId: 'constructor' })] }), [
        'callbackAddresses[0].authCodeId',
        'callbackAddresses[0].authKey',
      ]);
      await expect400(INBOUND, { callbackAddresses: [address({ authKey: 'Transfer-Encoding', authCodeId: 'ok' })] }, [
        'callbackAddresses[0].authKey',
      ]);
    });
  });

  describe(`at most ${MAX_CALLBACK_ADDRESSES} callback addresses per object`, () => {
    it('is 20, as docs/delivery.md says', () => {
      expect(MAX_CALLBACK_ADDRESSES).toBe(20);
    });

    it.each([
      ['a transfer', TRANSFERS, (a: object[]) => transferRequest({ callbackAddresses: a }), 200],
      ['a negotiation', NEGOTIATIONS, (a: object[]) => contractRequest({ callbackAddresses: a }), 200],
      ['an inbound callback', INBOUND, (a: object[]) => ({ callbackAddresses: a }), 201],
    ])('%s: 400 above the cap, naming it; accepted at the cap', async (_kind, path, body, ok) => {
      const [error] = await expect400(path, body(addresses(MAX_CALLBACK_ADDRESSES + 1)), ['callbackAddresses']);
      expect(error.message).toBe(`callbackAddresses must hold at most ${MAX_CALLBACK_ADDRESSES} callback addresses`);
      await client.post(path, body(addresses(MAX_CALLBACK_ADDRESSES))).expect(ok);
    });

    it('refuses the 2,500-address create of the report with one problem, and queues nothing for it', async () => {
      const before = await committedEvents();
      // Its 5,000 objects are more JSON-LD than one request may expand: refused before expansion.
      const res = await client.post(TRANSFERS, transferRequest({ '@id': 'fan-out-bomb', callbackAddresses: addresses(2500) })).expect(400);
      expect(res.body).toEqual([
        { message: expect.stringContaining('more than 1000 objects'), type: 'InvalidRequest', path: null, invalidValue: null },
      ]);
      const [error] = await expect400(TRANSFERS, transferRequest({ callbackAddresses: addresses(MAX_CALLBACK_ADDRESSES + 1) }), [
        'callbackAddresses',
      ]);
      expect(error.message).toContain(`at most ${MAX_CALLBACK_ADDRESSES}`);
      await client.get(`${TRANSFERS}/fan-out-bomb`).expect(404);
      expect(await committedEvents()).toBe(before);
    });

    it('bounds the event filters of one address: at most 32, of at most 128 characters each', async () => {
      const filters = (n: number) => Array.from({ length: n }, (_, i) => `transfer.process.${i}`);
      const [tooMany] = await expect400(TRANSFERS, transferRequest({ callbackAddresses: [address({ events: filters(33) })] }), [
        'callbackAddresses[0].events',
      ]);
      expect(tooMany.message).toContain('at most 32 filters');
      const [tooLong] = await expect400(
        TRANSFERS,
        transferRequest({ callbackAddresses: [address({ events: ['transfer.' + 'x'.repeat(120)] })] }),
        ['callbackAddresses[0].events'],
      );
      expect(tooLong.message).toContain('at most 128 characters');
      await client
        .post(TRANSFERS, transferRequest({ callbackAddresses: [address({ events: [...filters(31), 'x'.repeat(128)] })] }))
        .expect(200);
    });
  });

  describe('URI and host name lengths', () => {
    const label = (n: number, c = 'a') => c.repeat(n);
    /** A host of exactly `length` characters (> 63): labels of 63, then what is left. */
    const hostOf = (length: number) => {
      const labels: string[] = [];
      let left = length;
      for (; left > 63; left -= 64) labels.push(label(63, String.fromCharCode(97 + labels.length)));
      return [...labels, label(left, 'z')].join('.');
    };

    it.each([
      ['a 200 KB host name', `https://${'a'.repeat(200_000)}.example/x`, 'at most 2048 characters'],
      ['a 254-character host name', `https://${hostOf(254)}/x`, 'at most 253 characters'],
      ['a 64-character label', `https://${label(64)}.example/x`, 'labels of at most 63 characters'],
      ['an empty label', 'https://a..example/x', 'empty label'],
      ['a 2,049-character URI', `https://cb.example/${'p'.repeat(2049 - 'https://cb.example/'.length)}`, 'at most 2048 characters'],
    ])('400 for %s', async (_case, uri, reason) => {
      expect(uri.length).toBeLessThan(300_000);
      const [error] = await expect400(TRANSFERS, transferRequest({ callbackAddresses: [address({ uri })] }), ['callbackAddresses[0].uri']);
      expect(error.message).toContain(reason);
      // The single-URL shorthand follows the same rule.
      await expect400(TRANSFERS, transferRequest({ callbackAddress: uri }), ['callbackAddress']);
      await expect400(INBOUND, { callbackAddresses: [address({ uri })] }, ['callbackAddresses[0].uri']);
    });

    it('accepts a 253-character host name of 63-character labels, and a 2,048-character URI', async () => {
      const host = hostOf(253);
      expect(host.length).toBe(253);
      await client.post(TRANSFERS, transferRequest({ callbackAddresses: [address({ uri: `https://${host}/x` })] })).expect(200);
      await client.post(TRANSFERS, transferRequest({ callbackAddresses: [address({ uri: `https://${host}./x` })] })).expect(200);
      const long = `https://cb.example/${'p'.repeat(2048 - 'https://cb.example/'.length)}`;
      await client.post(TRANSFERS, transferRequest({ callbackAddresses: [address({ uri: long })] })).expect(200);
    });
  });

  describe('paging of /management/v1/deliveries', () => {
    it.each(['1e300', '1e21', '2147483648', '-1', '1.5', '1e400', 'abc'])('400 for offset=%s, naming offset', async (offset) => {
      const res = await client.get(`/management/v1/deliveries?offset=${offset}`).expect(400);
      expect(res.body).toEqual([expect.objectContaining({ type: 'ValidationFailure', path: 'offset' })]);
    });

    it.each(['1e21', '1001', '-1', '0.5'])('400 for limit=%s, naming limit', async (limit) => {
      const res = await client.get(`/management/v1/deliveries?limit=${limit}`).expect(400);
      expect(res.body).toEqual([expect.objectContaining({ type: 'ValidationFailure', path: 'limit' })]);
    });

    it('answers the largest offset with an empty page', async () => {
      expect((await client.get('/management/v1/deliveries?offset=2147483647&limit=1000').expect(200)).body).toEqual([]);
      expect((await client.get('/management/v1/deliveries?offset=2147483647&entityId=x&status=failed').expect(200)).body).toEqual([]);
    });
  });
});

describe('what a receiver is shown of the callback addresses', () => {
  let stack: Stack;
  const client = apiClient(() => stack.api);

  beforeAll(async () => {
    stack = await startStack(() => ({ COUNTERPARTY_MODE: 'manual', EDC_VAULT_SECRETS: 'hook-alias:s3cr3t-value' }));
  });

  afterAll(() => stack?.stop());

  it('origins only, without authKey or authCodeId, while the object and the Management API keep them whole', async () => {
    const base = stack.receiver.url;
    const full = [
      {
        uri: `${base}/hooks/a?token=tok-in-query`,
        events: ['transfer.process', 'contract.negotiation'],
        transactional: false,
        authKey: 'X-Hook-Key',
        authCodeId: 'hook-alias',
      },
      { uri: `${base}/hooks/b/tok-in-path`, events: ['transfer.process', 'contract.negotiation'], transactional: false },
    ];
    const transfer = await client.post(TRANSFERS, transferRequest({ callbackAddresses: full })).expect(200);
    const negotiation = await client.post(NEGOTIATIONS, contractRequest({ callbackAddresses: full })).expect(200);
    await stack.receiver.waitFor((calls) => calls.length >= 4);

    const shown = full.map((a) => ({ uri: base, events: a.events, transactional: false }));
    expect(stack.receiver.calls).toHaveLength(4);
    for (const call of stack.receiver.calls) {
      expect(call.json.payload.callbackAddresses).toEqual(shown);
      for (const secret of ['tok-in-query', 'tok-in-path', 'X-Hook-Key', 'hook-alias', '/hooks/']) expect(call.body).not.toContain(secret);
    }
    // The endpoint that names a secret still gets it, in its header.
    const withKey = stack.receiver.calls.filter((c) => c.path.startsWith('/hooks/a'));
    expect(withKey.map((c) => c.headers['x-hook-key'])).toEqual(['s3cr3t-value', 's3cr3t-value']);

    const storedTransfer = await client.get(`${TRANSFERS}/${transfer.body['@id']}`).expect(200);
    const typed = full.map((a) => ({ '@type': 'CallbackAddress', ...a }));
    expect(storedTransfer.body.callbackAddresses).toEqual(typed);
    const storedNegotiation = await client.get(`${NEGOTIATIONS}/${negotiation.body['@id']}`).expect(200);
    expect(storedNegotiation.body.callbackAddresses).toEqual(typed);
  });
});

describe('retrying a dead letter whose delivery-log record has expired', () => {
  let stack: Stack;
  let deliveries: TestDeliveryQueues;
  let redis: Redis;
  let fixed = false;
  const client = apiClient(() => stack.api);

  beforeAll(async () => {
    stack = await startStack(
      () => ({ COUNTERPARTY_MODE: 'manual', DISPATCH_MAX_ATTEMPTS: '2', DISPATCH_BACKOFF_MS: '20' }),
      (call) => (call.path === '/dead' && !fixed ? { status: 503, body: 'down' } : { status: 200, body: 'back' }),
    );
    deliveries = openDeliveryQueues(stack.config);
    redis = connectRedis(stack.config.redisUrl);
  });

  afterAll(async () => {
    redis?.disconnect();
    await deliveries?.close();
    await stack?.stop();
  });

  it('finds the failed job by the delivery id, retries it and logs the new series in a new record', async () => {
    const created = await client
      .post(TRANSFERS, transferRequest({ callbackAddresses: [{ uri: `${stack.receiver.url}/dead`, events: ['transfer.process'] }] }))
      .expect(200);
    const transferId: string = created.body['@id'];
    let dead: DeliveryRecord | undefined;
    await waitUntil(
      async () => {
        [dead] = (await client.get(`/management/v1/deliveries?entityId=${transferId}`).expect(200)).body;
        return dead?.status === 'failed' && (await deliveries.getJobState(dead.id)) === 'failed';
      },
      15_000,
      'the delivery to be dead-lettered',
    );
    const id = dead!.id;
    const path = `/management/v1/deliveries/${encodeURIComponent(id)}`;

    // What the log's retention does after 7 days: the record and its attempts are gone.
    expect(
      await redis.del(keyOf(stack.config, eventIdOf(id), 'delivery', id), keyOf(stack.config, eventIdOf(id), 'delivery', id, 'attempts')),
    ).toBe(2);
    await client.get(path).expect(404);
    expect(await deliveries.getJobState(id)).toBe('failed');

    fixed = true;
    await client.post(`${path}/retry`).expect(202);
    await stack.receiver.waitFor((calls) => calls.filter((c) => c.path === '/dead').length >= 3);
    const calls = stack.receiver.callsTo('/dead');
    expect(calls[2].headers['webhook-id']).toBe(calls[0].headers['webhook-id']);

    let record: DeliveryRecord | undefined;
    await waitUntil(
      async () => {
        const res = await client.get(path);
        record = res.status === 200 ? res.body : undefined;
        return record?.status === 'delivered';
      },
      10_000,
      'the retried delivery to be logged as delivered',
    );
    expect(record).toMatchObject({
      id,
      eventId: dead!.eventId,
      entity: { id: transferId },
      endpoint: { uri: `${stack.receiver.url}/dead` },
    });
    expect(record!.attempts.map((a) => [a.attempt, a.status, a.outcome])).toEqual([[1, 200, 'delivered']]);
    expect(
      (await client.get(`/management/v1/deliveries?entityId=${transferId}`).expect(200)).body.map((d: DeliveryRecord) => d.id),
    ).toEqual([id]);
    await waitUntil(async () => (await deliveries.getJobState(id)) === 'completed', 5000, 'the job to complete');
  });

  it('still answers 404 for an id that is neither in the log nor in the queue', async () => {
    const res = await client.post('/management/v1/deliveries/no-such-delivery/retry').expect(404);
    expect(res.body).toEqual([expect.objectContaining({ type: 'ObjectNotFound' })]);
  });
});
