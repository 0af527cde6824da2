import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import request from 'supertest';
import { AppConfig, BLOCKING_CONNECTION, bullPrefix, connectRedis, loadConfig, REDIS } from '@app/platform';
import { TestDeliveryQueues } from './delivery-queues';
import { seedAgreement } from './agreements';
import { dropKeys } from './redis-keys';
import { Receiver, Responder } from './receiver';

export { dropKeys } from './redis-keys';
export { EDC_RESPONSE_CONTEXT, transferRequest } from './requests';
export { agreementFixture, seedAgreement, seedAgreementFor } from './agreements';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { createDispatcherApp } from '../../apps/dispatcher/src/create-dispatcher-app';

export const API_KEY = 'test-api-key';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A configuration for one test file: its own Redis key prefix (so files running in parallel
 * never see each other's keys or jobs), fast timings, and loopback callbacks allowed.
 */
export function testEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    REDIS_URL,
    REDIS_PREFIX: `test-${randomBytes(4).toString('hex')}`,
    MANAGEMENT_API_KEY: API_KEY,
    CALLBACK_ALLOWED_HOSTS: '127.0.0.1',
    SIMULATION_STEP_MS: '20',
    DISPATCH_BACKOFF_MS: '20',
    DISPATCH_TIMEOUT_MS: '2000',
    DISPATCH_LOCK_DURATION_MS: '2000',
    LOG_LEVEL: 'warn',
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return loadConfig(testEnv(overrides));
}

export interface ApiOptions {
  /** False for an api started while Redis refuses writes. */
  agreement?: boolean;
  /** Filled with every route the api registers (method in capitals, path as declared). */
  routes?: { method: string; path: string }[];
}

/**
 * The api, with the agreement `transferRequest()` names already in its store (see
 * agreements.ts), unless `agreement` is false (an api started while Redis refuses writes).
 */
export async function startApi(config: AppConfig, { agreement = true, routes }: ApiOptions = {}): Promise<INestApplication> {
  const app = await createApiApp(config);
  if (routes)
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', ({ method, url }) => {
        for (const m of [method].flat()) routes.push({ method: m, path: url });
      });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  if (agreement) await seedAgreement(app.get(REDIS), config);
  return app;
}

export async function startDispatcher(config: AppConfig): Promise<INestApplication> {
  const app = await createDispatcherApp(config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** A handle on a queue that has no partitions (the simulation queue); close it in afterAll. */
export function openQueue(config: AppConfig, name: string): Queue {
  return new Queue(name, { connection: connectRedis(config.redisUrl, BLOCKING_CONNECTION), prefix: bullPrefix(config) });
}

/** A handle on the deliveries queues of every partition; close it in afterAll. */
export function openDeliveryQueues(config: AppConfig): TestDeliveryQueues {
  return new TestDeliveryQueues(config);
}

/** Polls `check` until it holds; `what` (or what it returns, read at the timeout) names it in the error. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
  what: string | (() => string) = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A receiver, an api and a dispatcher on one configuration; `stop()` tears all down. */
export interface Stack {
  config: AppConfig;
  api: INestApplication;
  dispatcher: INestApplication;
  receiver: Receiver;
  stop(): Promise<void>;
}

/** Starts a receiver first, so the environment can name its URL, then api and dispatcher. */
export async function startStack(
  env: (receiverUrl: string) => Record<string, string>,
  responder?: Responder,
  apiOptions?: ApiOptions,
): Promise<Stack> {
  const receiver = await Receiver.start(responder);
  const config = testConfig(env(receiver.url));
  const api = await startApi(config, apiOptions);
  const dispatcher = await startDispatcher(config);
  return {
    config,
    api,
    dispatcher,
    receiver,
    async stop() {
      await api.close();
      await dispatcher.close();
      await receiver.close();
      await dropKeys(config);
    },
  };
}

/** Requests to an app with the API key set; `app` is read at call time (set in beforeAll). */
export function apiClient(app: () => INestApplication) {
  const http = () => request(app().getHttpServer());
  return {
    get: (path: string) => http().get(path).set('x-api-key', API_KEY),
    post: (path: string, body?: object) => {
      const req = http().post(path).set('x-api-key', API_KEY);
      return body === undefined ? req : req.send(body);
    },
  };
}
