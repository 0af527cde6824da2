import { ChildProcess, spawn } from 'node:child_process';
import net, { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AppConfig } from '@app/platform';
import { startApi, startDispatcher, testConfig } from './support/harness';

/** How soon after Redis dies `/health` must say so. */
const DOWN_WITHIN_MS = 5000;
/** Longest wait for one `/health` answer while polling (a hanging check counts as not yet 503). */
const REQUEST_TIMEOUT_MS = 1000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Binds `port` (0: any) on 127.0.0.1 and closes it again; resolves with the port, or undefined if taken. */
async function tryPort(port: number): Promise<number | undefined> {
  const server = net.createServer();
  const bound = await new Promise<boolean>((resolve) => server.once('error', () => resolve(false)).listen(port, '127.0.0.1', () => resolve(true)));
  if (!bound) return undefined;
  const found = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return found;
}

/**
 * A free port for the dedicated Redis, below the kernel's ephemeral range when possible: while
 * that Redis is down, the apps keep reconnecting to its port, and a connect to a closed port
 * inside the ephemeral range can be given that very port as its source and connect to itself
 * (TCP self-connect), which would steal the port from the restarted Redis.
 */
async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await tryPort(20_000 + Math.floor(Math.random() * 12_000));
    if (port !== undefined) return port;
  }
  return (await tryPort(0))!;
}

/** A throw-away redis-server of this test's own (no persistence), on a port of its own. */
class DedicatedRedis {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private output = '';
  /** When it last answered PING after a start. */
  startedAt = 0;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(timeoutMs = 10_000): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
    this.exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + timeoutMs;
    while (!(await this.answersPing())) {
      if (!this.running || Date.now() > deadline) {
        throw new Error(`redis-server on port ${this.port} did not answer PING:\n${this.output}`);
      }
      await sleep(50);
    }
    this.startedAt = Date.now();
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.child!.kill(signal);
    await this.exited;
  }

  /** One PING over a plain socket (an ioredis client would leave a timer behind when it fails to connect). */
  private answersPing(): Promise<boolean> {
    return new Promise((resolve) => {
      let reply = '';
      const socket = net.createConnection({ host: '127.0.0.1', port: this.port });
      const done = (ok: boolean) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), 500);
      socket.once('error', () => done(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.on('data', (d) => {
        reply += d;
        if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
      });
    });
  }
}

/**
 * How long after Redis is back before the apps are closed. BullMQ reconnects its connections at
 * least a second apart (more after a longer outage), and a worker closed while its connections
 * are still reconnecting never finishes closing (seen with bullmq 5.81); /health is back before
 * they are, since it asks the app's own connection.
 */
const RECONNECT_SETTLE_MS = 3000;

/** Closes an app, but gives up after `ms` so a hung shutdown cannot hang the test run. */
async function closeWithin(app: INestApplication | undefined, ms: number, name: string): Promise<void> {
  if (!app) return;
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  const result = await Promise.race([app.close().then(() => 'closed' as const), gaveUp]);
  clearTimeout(timer);
  if (result === 'timeout') console.warn(`${name} did not close within ${ms} ms`);
}

describe('GET /health on api and dispatcher, against a Redis that dies', () => {
  let redis: DedicatedRedis;
  let config: AppConfig;
  let api: INestApplication;
  let dispatcher: INestApplication;
  const apps = () => [
    { name: 'api', app: api },
    { name: 'dispatcher', app: dispatcher },
  ];

  /** One `/health` answer's status, or 0 when none came within REQUEST_TIMEOUT_MS. */
  const healthStatus = async (app: INestApplication): Promise<number> => {
    try {
      return (await request(app.getHttpServer()).get('/health').timeout(REQUEST_TIMEOUT_MS)).status;
    } catch {
      return 0;
    }
  };

  /** Polls both apps until each has answered `status`; returns how long each took (ms). */
  const waitForHealth = async (status: number, withinMs: number): Promise<Record<string, number>> => {
    const started = Date.now();
    const took: Record<string, number> = {};
    const last: Record<string, number> = {};
    await Promise.all(
      apps().map(async ({ name, app }) => {
        while (Date.now() - started <= withinMs) {
          last[name] = await healthStatus(app);
          if (last[name] === status) {
            took[name] = Date.now() - started;
            return;
          }
          await sleep(100);
        }
      }),
    );
    const late = apps().filter(({ name }) => took[name] === undefined);
    if (late.length > 0) {
      const seen = late.map(({ name }) => `${name} last answered ${last[name] === 0 ? 'nothing (timed out)' : last[name]}`).join(', ');
      throw new Error(`/health did not answer ${status} within ${withinMs} ms: ${seen}`);
    }
    return took;
  };

  beforeAll(async () => {
    redis = new DedicatedRedis(await freePort());
    await redis.start();
    config = testConfig({ REDIS_URL: redis.url, COUNTERPARTY_MODE: 'manual' });
    api = await startApi(config);
    dispatcher = await startDispatcher(config);
  });

  afterAll(async () => {
    // A client of a dead Redis may never finish closing: bring Redis back (same port) first.
    if (redis && !redis.running) await redis.start().catch((err) => console.warn(String(err)));
    if (redis?.running) await sleep(Math.max(0, redis.startedAt + RECONNECT_SETTLE_MS - Date.now()));
    await closeWithin(api, 10_000, 'api');
    await closeWithin(dispatcher, 10_000, 'dispatcher');
    await redis?.kill('SIGTERM');
  });

  it('answers 200 on both apps, without an API key, while Redis is up', async () => {
    for (const { app } of apps()) {
      const res = await request(app.getHttpServer()).get('/health').expect(200);
      expect(res.body).toEqual(expect.objectContaining({ status: 'UP' }));
    }
  });

  it(`answers 503 on both apps within ${DOWN_WITHIN_MS} ms of Redis being killed`, async () => {
    await redis.kill('SIGKILL');
    const took = await waitForHealth(503, DOWN_WITHIN_MS);
    expect(Object.keys(took).sort()).toEqual(['api', 'dispatcher']);
    // Still down: every check answers 503 (not a stale 200, not a hang).
    for (const { app } of apps()) expect(await healthStatus(app)).toBe(503);
  });

  it('answers 200 again once Redis is back on the same port', async () => {
    if (!redis.running) await redis.start();
    await waitForHealth(200, 10_000);
  });
});
