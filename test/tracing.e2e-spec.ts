import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AppConfig } from '@app/platform';
import { ReceivedCall, Receiver } from './support/receiver';
import { API_KEY, dropKeys, seedAgreementFor, testConfig, testEnv, transferRequest, waitUntil } from './support/harness';
import { OtlpReceiver } from './support/otlp-receiver';
import { AppProcess, spawnApp, stopApp } from './support/processes';
import { startApi, startDispatcher } from './support/harness';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN}-01`;
/** A process's start (ts-node compiling it) on 2 cores shared with other test files can take long. */
const SPAWN_MS = 90_000;
const W3C = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

const traceIdOf = (traceparent: unknown) => String(traceparent).split('-')[1];
const parentOf = (traceparent: unknown) => String(traceparent).split('-')[2];

describe('tracing off: the caller’s trace context goes through to every delivery', () => {
  let config: AppConfig;
  let api: INestApplication;
  let dispatcher: INestApplication;
  let receiver: Receiver;

  beforeAll(async () => {
    // The first call to /flaky fails: its retry must carry the same trace.
    receiver = await Receiver.start((call, nth) => (call.path === '/flaky' && nth === 1 ? { status: 500 } : { status: 200 }));
    config = testConfig({ COUNTERPARTY_MODE: 'manual' });
    api = await startApi(config);
    dispatcher = await startDispatcher(config);
  });

  afterAll(async () => {
    await api?.close();
    await dispatcher?.close();
    await receiver?.close();
    if (config) await dropKeys(config);
  });

  const create = (path: string, headers: Record<string, string> = {}) =>
    request(api.getHttpServer())
      .post('/management/v3/transferprocesses')
      .set('x-api-key', API_KEY)
      .set(headers)
      .send(transferRequest({ callbackAddresses: [{ uri: `${receiver.url}${path}`, events: ['transfer.process'] }] }))
      .expect(200);

  it('sends the caller’s traceparent and tracestate as they came, on the first attempt and the retry', async () => {
    await create('/flaky', { traceparent: TRACEPARENT, tracestate: 'vendor=abc' });
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/flaky').length >= 2);
    for (const call of receiver.callsTo('/flaky')) {
      expect(call.headers.traceparent).toBe(TRACEPARENT);
      expect(call.headers.tracestate).toBe('vendor=abc');
    }
  });

  it('carries the traceparent of a call to an inbound callback URL to its CallbackReceived deliveries', async () => {
    const created = await request(api.getHttpServer())
      .post('/management/v1/callbacks')
      .set('x-api-key', API_KEY)
      .send({ callbackAddresses: [{ uri: `${receiver.url}/inbound`, events: ['callback.received'] }] })
      .expect(201);
    const path = new URL(created.body.callbackUrl).pathname;
    await request(api.getHttpServer()).post(path).set('traceparent', TRACEPARENT).send({ paid: true }).expect(200);
    await receiver.waitFor((calls) => calls.some((c) => c.path === '/inbound'));
    expect(receiver.callsTo('/inbound')[0].headers.traceparent).toBe(TRACEPARENT);
  });

  it('starts a trace for a request that sent none (or an invalid one), the same for all of the event’s deliveries', async () => {
    await create('/fresh', { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' });
    await receiver.waitFor((calls) => calls.some((c) => c.path === '/fresh'));
    const [call] = receiver.callsTo('/fresh');
    expect(call.headers.traceparent).toMatch(W3C);
    expect(traceIdOf(call.headers.traceparent)).not.toBe('0'.repeat(32));
    expect(call.headers.tracestate).toBeUndefined();
  });
});

describe('tracing on: one trace from the create request to the receiver, across a retry and a dispatcher killed mid-delivery', () => {
  let env: NodeJS.ProcessEnv;
  let config: AppConfig;
  let receiver: Receiver;
  let collector: OtlpReceiver;
  let api: AppProcess;
  const apps: (AppProcess | undefined)[] = [];

  beforeAll(async () => {
    collector = await OtlpReceiver.start();
    // /retry fails once; /crash hangs the first time (the dispatcher is killed meanwhile).
    receiver = await Receiver.start((call, nth) => {
      if (call.path === '/retry' && nth === 1) return { status: 503 };
      if (call.path === '/crash' && nth === 1) return 'hang';
      return { status: 200 };
    });
    env = testEnv({
      COUNTERPARTY_MODE: 'manual',
      API_PORT: '0',
      DISPATCHER_PORT: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      DISPATCH_TIMEOUT_MS: '20000',
    });
    config = testConfig(env as Record<string, string>);
    await seedAgreementFor(config);
    api = await spawnApp('api', env, SPAWN_MS);
    apps.push(api, await spawnApp('dispatcher', env, SPAWN_MS));
  }, 3 * SPAWN_MS);

  afterAll(async () => {
    for (const app of apps) await stopApp(app, 'SIGKILL');
    await receiver?.close();
    await collector?.close();
    if (config) await dropKeys(config);
  });

  const create = (path: string, traceparent: string) =>
    request(api.url)
      .post('/management/v3/transferprocesses')
      .set('x-api-key', API_KEY)
      .set('traceparent', traceparent)
      .send(transferRequest({ callbackAddresses: [{ uri: `${receiver.url}${path}`, events: ['transfer.process'] }] }))
      .expect(200);
  const attemptSpans = (traceId: string) => collector.inTrace(traceId).filter((s) => s.name === 'delivery attempt');
  /** Waits until the attempt spans whose traceparent the calls carried are exported. */
  const exportedFor = (calls: ReceivedCall[], traceId: string) =>
    waitUntil(
      () => calls.every((c) => attemptSpans(traceId).some((s) => s.spanId === parentOf(c.headers.traceparent))),
      15_000,
      'attempt spans',
    );

  it('continues the caller’s trace in the api’s spans, the event, each attempt (a retry too) and its traceparent', async () => {
    await create('/retry', TRACEPARENT);
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/retry').length >= 2);
    const calls = receiver.callsTo('/retry');
    for (const call of calls) expect(traceIdOf(call.headers.traceparent)).toBe(TRACE_ID);
    // Each attempt is a span of its own, and sends its own id as the parent.
    expect(parentOf(calls[0].headers.traceparent)).not.toBe(parentOf(calls[1].headers.traceparent));
    await exportedFor(calls, TRACE_ID);

    const spans = collector.inTrace(TRACE_ID);
    const server = spans.find((s) => s.name === 'POST /management/v3/transferprocesses')!;
    expect(server).toMatchObject({ service: 'callback-service-api', parentSpanId: CALLER_SPAN });
    await waitUntil(() =>
      collector
        .inTrace(TRACE_ID)
        .some((s) => s.name === 'POST /management/v3/transferprocesses' && s.attributes['http.response.status_code'] === 200),
    );
    const named = (name: string) => spans.find((s) => s.name === name)!;
    for (const name of ['validation', 'commit'])
      expect(named(name)).toMatchObject({ service: 'callback-service-api', parentSpanId: server.spanId });
    expect(named('json-ld read')).toMatchObject({ service: 'callback-service-api', parentSpanId: named('validation').spanId });
    const dispatch = named('dispatch');
    expect(dispatch).toMatchObject({ service: 'callback-service-dispatcher', parentSpanId: named('commit').spanId });
    const attempts = attemptSpans(TRACE_ID).map((s) => ({ parent: s.parentSpanId, ...s.attributes }));
    expect(attempts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          parent: dispatch.spanId,
          'delivery.attempt': 1,
          'http.response.status_code': 503,
          'delivery.outcome': 'retrying',
          'delivery.endpoint.origin': receiver.url,
        }),
        expect.objectContaining({
          parent: dispatch.spanId,
          'delivery.attempt': 2,
          'http.response.status_code': 200,
          'delivery.outcome': 'delivered',
        }),
      ]),
    );
  });

  it(
    'keeps the trace when the dispatcher is killed mid-delivery and another takes the event over',
    async () => {
      const traceId = 'a1'.repeat(16);
      await create('/crash', `00-${traceId}-${CALLER_SPAN}-01`);
      await receiver.waitFor((calls) => calls.some((c) => c.path === '/crash'));
      const first = apps[1]!;
      first.child.kill('SIGKILL');
      await first.exited;
      apps.push(await spawnApp('dispatcher', env, SPAWN_MS));
      await receiver.waitFor((calls) => calls.filter((c) => c.path === '/crash').length >= 2, 30_000);

      const calls = receiver.callsTo('/crash');
      for (const call of calls) expect(traceIdOf(call.headers.traceparent)).toBe(traceId);
      // The attempt of the replica that took over is exported in the same trace.
      await exportedFor(calls.slice(1), traceId);
      expect(collector.inTrace(traceId).some((s) => s.name === 'POST /management/v3/transferprocesses')).toBe(true);
    },
    3 * SPAWN_MS,
  );
});
