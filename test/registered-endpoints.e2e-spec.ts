import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { EndpointRegistry, EndpointSettings } from '@app/delivery';
import { sample, scrape } from './support/metric-sample';
import { ReceivedCall } from './support/receiver';
import { API_KEY, Stack, startDispatcher, startStack, transferRequest, waitUntil } from './support/harness';

describe('registered endpoints (/management/v1/endpoints)', () => {
  let stack: Stack;
  let second: INestApplication;
  const http = () => request(stack.api.getHttpServer());
  const createTransfer = async () =>
    (await http().post('/management/v3/transferprocesses').set('x-api-key', API_KEY).send(transferRequest()).expect(200)).body[
      '@id'
    ] as string;
  const ids = (path: string) => stack.receiver.callsTo(path).map((c) => c.headers['webhook-id'] as string);

  beforeAll(async () => {
    stack = await startStack((url) => ({
      COUNTERPARTY_MODE: 'manual',
      EDC_CALLBACK_WATCH_URI: `${url}/watch`,
      EDC_CALLBACK_WATCH_EVENTS: 'transfer.process.initiated',
      EDC_CALLBACK_WATCH_RATE_LIMIT: '1000',
    }));
    second = await startDispatcher(stack.config);
  });

  afterAll(async () => {
    await second?.close();
    await stack?.stop();
  });

  it('refuses an invalid endpoint with every problem at once', async () => {
    const res = await http()
      .post('/management/v1/endpoints')
      .set('x-api-key', API_KEY)
      .send({ uri: 'ftp://x', rateLimit: 0, colour: 'red', onFailure: 'hold', oauth2: { tokenUrl: 'http://169.254.169.254/t' } })
      .expect(400);
    const paths = res.body.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(
      ['colour', 'events', 'oauth2.clientId', 'oauth2.clientSecretAlias', 'oauth2.tokenUrl', 'onFailure', 'rateLimit', 'uri'].sort(),
    );
    expect(res.body[0].type).toBe('ValidationFailure');
  });

  it('lists static callbacks read-only next to registered ones, and never shows a signing secret', async () => {
    const created = await http()
      .post('/management/v1/endpoints')
      .set('x-api-key', API_KEY)
      .send({
        uri: `${stack.receiver.url}/listed`,
        events: ['contract.negotiation'],
        signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        description: 'a',
      })
      .expect(201);
    expect(created.body).toMatchObject({ source: 'registered', disabled: false, signingSecretSet: true, description: 'a' });
    expect(JSON.stringify(created.body)).not.toContain('whsec_');
    const list = await http().get('/management/v1/endpoints').set('x-api-key', API_KEY).expect(200);
    expect(list.body[0]).toMatchObject({ id: 'WATCH', source: 'config', rateLimit: 1000 });
    expect(list.body.map((e: { id: string }) => e.id)).toContain(created.body.id);
    await http().put('/management/v1/endpoints/WATCH').set('x-api-key', API_KEY).send({ uri: 'http://example.com' }).expect(409);
    await http().delete('/management/v1/endpoints/WATCH').set('x-api-key', API_KEY).expect(409);
    await http().delete(`/management/v1/endpoints/${created.body.id}`).set('x-api-key', API_KEY).expect(204);
    await http().get(`/management/v1/endpoints/${created.body.id}`).set('x-api-key', API_KEY).expect(404);
  });

  it('gets every matching event; a change reaches both dispatchers while deliveries run, nothing lost or doubled', async () => {
    const { receiver } = stack;
    const body = { uri: `${receiver.url}/reg-a`, events: ['transfer.process.initiated'] };
    const { id } = (await http().post('/management/v1/endpoints').set('x-api-key', API_KEY).send(body).expect(201)).body;
    const registries = [stack.dispatcher, second].map((app) => app.get(EndpointRegistry));
    const uriEverywhere = (uri: string) => () =>
      registries.every((r) => {
        const s = r.settingsOf({ uri: '', registeredId: id });
        return typeof s === 'object' && s.uri === uri;
      });
    await waitUntil(uriEverywhere(body.uri), 5000, 'both dispatchers to know the endpoint');

    const before: Promise<string>[] = [];
    for (let i = 0; i < 15; i++) before.push(createTransfer());
    // Changed while those are being delivered.
    await http()
      .put(`/management/v1/endpoints/${id}`)
      .set('x-api-key', API_KEY)
      .send({ ...body, uri: `${receiver.url}/reg-b` })
      .expect(200);
    await Promise.all(before);
    await waitUntil(uriEverywhere(`${receiver.url}/reg-b`), 5000, 'both dispatchers to apply the change');
    const after: string[] = [];
    for (let i = 0; i < 10; i++) after.push(await createTransfer());

    await receiver.waitFor(() => ids('/watch').length >= 25);
    await waitUntil(() => ids('/reg-a').length + ids('/reg-b').length >= 25, 15_000, 'the registered deliveries');
    const all = [...ids('/reg-a'), ...ids('/reg-b')];
    // Every event the static callback got, the registered endpoint got once, at one of its URIs.
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all)).toEqual(new Set(ids('/watch')));
    // Events created once every dispatcher had the change went to the new URI only.
    const afterEvents = receiver.calls.filter((c) => after.includes(c.json?.payload?.transferProcessId) && c.path !== '/watch');
    expect(afterEvents.map((c) => c.path)).toEqual(Array(10).fill('/reg-b'));

    await http().delete(`/management/v1/endpoints/${id}`).set('x-api-key', API_KEY).expect(204);
    await waitUntil(() => registries.every((r) => r.settingsOf({ uri: '', registeredId: id }) === 'deleted'), 5000, 'the delete');
    const last = await createTransfer();
    await receiver.waitFor((calls) => calls.some((c) => c.path === '/watch' && c.json.payload.transferProcessId === last));
    expect(receiver.calls.filter((c) => c.path !== '/watch' && c.json?.payload?.transferProcessId === last)).toHaveLength(0);
  });

  it('signs with its own secret, and after a rotation with the new and, for 24 h, the old one', async () => {
    const [oldSecret, newSecret] = ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'];
    const body = { uri: `${stack.receiver.url}/signed`, events: ['transfer.process.initiated'], signingSecret: oldSecret };
    const { id } = (await http().post('/management/v1/endpoints').set('x-api-key', API_KEY).send(body).expect(201)).body;
    const registries = [stack.dispatcher, second].map((app) => app.get(EndpointRegistry));
    const signers = () => registries.map((r) => (r.settingsOf({ uri: '', registeredId: id }) as EndpointSettings).signers?.length);
    await waitUntil(() => signers().every((n) => n === 1), 5000, 'both dispatchers to know the endpoint');
    await createTransfer();
    await stack.receiver.waitFor((calls) => calls.some((c) => c.path === '/signed'));
    const verify = (secret: string, call: ReceivedCall) => new Webhook(secret).verify(call.body, call.headers as Record<string, string>);
    expect(() => verify(oldSecret, stack.receiver.callsTo('/signed')[0])).not.toThrow();

    await http()
      .put(`/management/v1/endpoints/${id}`)
      .set('x-api-key', API_KEY)
      .send({ ...body, signingSecret: newSecret })
      .expect(200);
    await waitUntil(() => signers().every((n) => n === 2), 5000, 'both dispatchers to apply the rotation');
    await createTransfer();
    await stack.receiver.waitFor((calls) => calls.filter((c) => c.path === '/signed').length >= 2);
    const rotated = stack.receiver.callsTo('/signed')[1];
    expect(String(rotated.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => verify(newSecret, rotated)).not.toThrow();
    expect(() => verify(oldSecret, rotated)).not.toThrow();
  });

  it('orders a registered ordered endpoint: its lanes are joined at commit, an event waits for the one ahead', async () => {
    stack.receiver.respond((call) => ({ status: call.path === '/ordered' ? 500 : 200 }));
    const body = { uri: `${stack.receiver.url}/ordered`, events: ['transfer.process'], ordered: true, onFailure: 'hold' };
    const { id } = (await http().post('/management/v1/endpoints').set('x-api-key', API_KEY).send(body).expect(201)).body;
    const registries = [stack.dispatcher, second].map((app) => app.get(EndpointRegistry));
    await waitUntil(() => registries.every((r) => r.settingsOf({ uri: '', registeredId: id }) !== 'deleted'), 5000, 'the endpoint');
    const transfer = await createTransfer();
    await http().post(`/signaling/v1/transferprocesses/${transfer}/requested`).set('x-api-key', API_KEY).expect(200);
    const statuses = async () =>
      (
        (await http().get(`/management/v1/deliveries?entityId=${transfer}`).set('x-api-key', API_KEY).expect(200)).body as {
          endpoint: { uri: string };
          eventType: string;
          status: string;
        }[]
      )
        .filter((d) => d.endpoint.uri === body.uri)
        .map((d) => `${d.eventType} ${d.status}`)
        .sort();
    // The first event is retried; the second waits behind it in the lane, never sent.
    await waitUntil(() => stack.receiver.callsTo('/ordered').length >= 3, 15_000, 'retries of the first event');
    expect(await statuses()).toEqual(['TransferProcessInitiated retrying', 'TransferProcessRequested pending']);
    expect(stack.receiver.callsTo('/ordered').every((c) => c.json.type === 'TransferProcessInitiated')).toBe(true);
    stack.receiver.respond(() => ({ status: 200 }));
    await http().delete(`/management/v1/endpoints/${id}`).set('x-api-key', API_KEY).expect(204);
  });

  it('keeps a rate limit across two dispatchers, waiting without using attempts', async () => {
    const rate = 5;
    const count = 20;
    const started = Date.now();
    const { id } = (
      await http()
        .post('/management/v1/endpoints')
        .set('x-api-key', API_KEY)
        .send({ uri: `${stack.receiver.url}/limited`, events: ['transfer.process.initiated'], rateLimit: rate })
        .expect(201)
    ).body;
    const registries = [stack.dispatcher, second].map((app) => app.get(EndpointRegistry));
    await waitUntil(() => registries.every((r) => typeof r.settingsOf({ uri: '', registeredId: id }) === 'object'), 5000, 'the endpoint');
    await Promise.all(Array.from({ length: count }, () => createTransfer()));
    await waitUntil(() => stack.receiver.callsTo('/limited').length >= count, 30_000, 'the limited deliveries');
    const arrivals = stack.receiver.callsTo('/limited').map((c) => c.at);
    // A burst of `rate`, then one per 1/rate s: the last cannot come before (count - rate) / rate s.
    expect(Math.max(...arrivals) - started).toBeGreaterThanOrEqual(((count - rate) / rate) * 1000 - 50);
    const log = await http().get('/management/v1/deliveries?limit=1000').set('x-api-key', API_KEY).expect(200);
    const records = (log.body as { endpoint: { uri: string }; attempts: unknown[] }[]).filter((r) => r.endpoint.uri.endsWith('/limited'));
    expect(records).toHaveLength(count);
    for (const record of records) expect(record.attempts).toHaveLength(1);
    // Those that waited are counted by why, on the dispatchers' /metrics.
    const parked = await Promise.all(
      [stack.dispatcher, second].map(async (app) =>
        sample(await scrape(app), 'callback_deliveries_parked_total', { reason: 'rate_limit' }),
      ),
    );
    expect(parked[0] + parked[1]).toBeGreaterThanOrEqual(count - rate);
  });
});
