import 'reflect-metadata';
import { ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { DeliveryJobData, deliveryJobId } from '@app/delivery';
import { AppConfig, bullPrefix, createWorker, loadConfig, QUEUE, redisKey, redisOptionsFromUrl } from '@app/platform';
import type { ReceiverCommand, ReceiverReply, ReceiverStats } from './delivery-receiver';
import { dropKeys } from '../test/support/redis-keys';
import { transferRequest } from '../test/support/requests';

/** One create of the bench: a transfer whose only callback is the receiver. */
const benchTransfer = (callbackUri: string) =>
  transferRequest({ callbackAddresses: [{ uri: callbackUri, events: ['transfer.process'], transactional: false }] });

/**
 * The delivery engine, end to end: events per second from `POST /management/v3/transferprocesses`
 * on a real api process (COUNTERPARTY_MODE=manual, so each create emits exactly one event,
 * TransferProcessInitiated, to the transfer's dynamic callback address) through the outbox, the
 * relay, BullMQ, the fan-out and the delivery worker of 1 or 2 real dispatcher processes
 * (`node dist/apps/dispatcher/main.js`, as ops scale them) to a local receiver process; timed
 * from the first create to the last receipt. Beside it, two ceilings measured in the same run:
 * a bare keep-alive HTTP client posting the same bodies to the same receiver at the dispatcher's
 * concurrency, and a BullMQ worker with a no-op processor draining as many jobs at the same
 * concurrency on the same Redis.
 *
 * Latency is from state change to receipt: the envelope's `at` is the epoch ms of the state
 * change (taken when the api builds the event, just before the commit), and the receiver
 * computes `Date.now() - at` when the request has arrived.
 *
 * On a 2-core machine the api, the dispatchers, Redis, the receiver and this process (the load
 * generator) all share the same two cores, so 2 dispatchers may well not be faster than 1: a
 * second replica only helps when the first one is what saturates and a core is left over. The
 * bench prints CPU seconds per process so that the table can be read against that.
 */

const ROOT = path.resolve(__dirname, '..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Events per measured scenario (BENCH_DELIVERY_EVENTS overrides, to iterate faster). */
const EVENTS = Number(process.env.BENCH_DELIVERY_EVENTS ?? 5_000);
/** Untimed events before each scenario: JIT, connection pools and Redis scripts warmed up. */
const WARMUP = 300;
const CREATE_CONCURRENCY = 64;
const DISPATCH_CONCURRENCY = 50;
const API_KEY = 'bench';
const RECEIPT_TIMEOUT_MS = 120_000;
const SAMPLE_MS = 200;

interface Row {
  scenario: string;
  events: number;
  seconds: number;
  latencies?: number[];
  duplicates?: number;
  /** Lines printed under the table about this scenario. */
  notes: string[];
}

// ---------------------------------------------------------------------------------------------
// small helpers

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

const hex = () => randomBytes(4).toString('hex');
const round1 = (n: number) => (Math.round(n * 10) / 10).toFixed(1);

/** Runs `task(0..n-1)` with at most `concurrency` in flight. */
async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

function post(agent: http.Agent, port: number, urlPath: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: urlPath, method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The environment of this process without anything that would add static callbacks or signing. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('EDC_CALLBACK_') && !k.startsWith('DISPATCH_') && k !== 'CALLBACK_SIGNING_SECRET'),
  );
}


// ---------------------------------------------------------------------------------------------
// CPU and Redis accounting

/** CPU seconds (user + system) a process has used, from /proc; undefined where there is none. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15, in USER_HZ (100).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Redis's own pid when it runs on this machine (so /proc shows its CPU), else undefined. */
async function localRedisPid(redis: Redis): Promise<number | undefined> {
  const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
  try {
    return Number.isFinite(pid) && readFileSync(`/proc/${pid}/comm`, 'utf8').includes('redis') ? pid : undefined;
  } catch {
    return undefined;
  }
}

type CommandStats = Map<string, number>;

async function commandStats(redis: Redis): Promise<CommandStats> {
  const stats: CommandStats = new Map();
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) stats.set(m[1], Number(m[2]));
  return stats;
}

/**
 * Redis commands per event over a run (server-wide: anything else using this Redis at the same
 * time is counted too). Commands that Lua scripts call are counted as well as the scripts.
 */
function commandsPerEvent(before: CommandStats, after: CommandStats, events: number): string {
  const delta = [...after].map(([cmd, calls]) => [cmd, (calls - (before.get(cmd) ?? 0)) / events] as const).filter(([, d]) => d > 0.0005);
  delta.sort((a, b) => b[1] - a[1]);
  const total = delta.reduce((sum, [, d]) => sum + d, 0);
  const scripts = delta.filter(([cmd]) => cmd === 'evalsha' || cmd === 'eval').reduce((sum, [, d]) => sum + d, 0);
  const named = delta.filter(([cmd]) => cmd !== 'evalsha' && cmd !== 'eval');
  // The eight most frequent, and LRANGE (one per relay batch, so 1 / batch size) when it was used.
  const shown = [...named.slice(0, 8), ...named.slice(8).filter(([cmd]) => cmd === 'lrange')];
  const top = shown.map(([cmd, d]) => `${cmd} ${d.toFixed(2)}`).join(', ');
  return `Redis per event: ${scripts.toFixed(2)} Lua script calls (EVALSHA), ${total.toFixed(1)} commands in all counting those the scripts run (${top}, ...)`;
}

/** Busy CPU seconds of the whole machine (all processes, ours and anyone else's), from /proc/stat. */
function machineBusySeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - fields[3] - fields[4]) / 100;
  } catch {
    return undefined;
  }
}

class CpuMeter {
  private readonly start: (number | undefined)[];
  private readonly startSelf = process.cpuUsage();
  private readonly startMachine = machineBusySeconds();

  constructor(private readonly pids: { name: string; pid: number | undefined }[]) {
    this.start = pids.map((p) => cpuSeconds(p.pid));
  }

  /** "api 1.2, dispatcher 1 0.8, ... = 3.4 of 4.0 core-seconds available" over `wallSeconds`. */
  report(wallSeconds: number): string {
    const parts: string[] = [];
    let total = 0;
    this.pids.forEach((p, i) => {
      const now = cpuSeconds(p.pid);
      const before = this.start[i];
      if (now === undefined || before === undefined) return;
      total += now - before;
      parts.push(`${p.name} ${(now - before).toFixed(1)}`);
    });
    const self = process.cpuUsage(this.startSelf);
    const selfSeconds = (self.user + self.system) / 1e6;
    total += selfSeconds;
    parts.push(`bench process ${selfSeconds.toFixed(1)}`);
    const cores = os.cpus().length;
    const machine = machineBusySeconds();
    const others = machine !== undefined && this.startMachine !== undefined ? `; whole machine busy ${(machine - this.startMachine).toFixed(1)}` : '';
    return `CPU seconds: ${parts.join(', ')} = ${total.toFixed(1)}${others}; ${(wallSeconds * cores).toFixed(1)} available (${cores} cores x ${wallSeconds.toFixed(1)} s)`;
  }
}

// ---------------------------------------------------------------------------------------------
// the receiver process

class ReceiverProcess {
  private waiters: { type: ReceiverReply['type']; resolve: (r: ReceiverReply) => void }[] = [];

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on('message', (reply: ReceiverReply) => {
      const i = this.waiters.findIndex((w) => w.type === reply.type);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(reply);
    });
  }

  static async start(): Promise<ReceiverProcess> {
    const child = fork(path.join(__dirname, 'delivery-receiver.ts'), [], {
      cwd: ROOT,
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (reply: ReceiverReply) => (reply.type === 'listening' ? resolve(reply.port) : reject(new Error(`receiver said ${reply.type}`))));
      child.once('exit', (code) => reject(new Error(`receiver exited (${code}) during start-up`)));
    });
    return new ReceiverProcess(child, port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private ask<T extends ReceiverReply['type']>(command: ReceiverCommand, type: T, timeoutMs = 10_000): Promise<Extract<ReceiverReply, { type: T }> | undefined> {
    return new Promise((resolve) => {
      const waiter = { type, resolve: (r: ReceiverReply) => (clearTimeout(timer), resolve(r as Extract<ReceiverReply, { type: T }>)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.push(waiter);
      this.child.send(command);
    });
  }

  async reset(): Promise<void> {
    await this.ask({ type: 'reset' }, 'reset');
  }

  /** True once `count` distinct events have arrived, false if they did not within `timeoutMs`. */
  async waitFor(count: number, timeoutMs = RECEIPT_TIMEOUT_MS): Promise<boolean> {
    return (await this.ask({ type: 'expect', count }, 'reached', timeoutMs)) !== undefined;
  }

  async stats(): Promise<ReceiverStats> {
    const stats = await this.ask({ type: 'stats' }, 'stats');
    if (!stats) throw new Error('the receiver did not answer');
    return stats;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

// ---------------------------------------------------------------------------------------------
// app processes

interface AppProcess {
  name: string;
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | string>;
}

/** Starts a built app (`dist/apps/<app>/main.js`) and resolves once it prints "listening on". */
async function startApp(name: string, app: 'api' | 'dispatcher', env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<AppProcess> {
  const script = path.join(ROOT, 'dist', 'apps', app, 'main.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run "npm run build" first (npm run bench does)`);
  const child = spawn(process.execPath, [script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in time:\n${out}`)), timeoutMs);
    const onData = () => {
      if (!out.includes('listening on')) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve();
    };
    child.stdout!.on('data', onData);
    exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start-up:\n${out}`));
    });
  });
  const port = Number(/listening on http:\/\/localhost:(\d+)/.exec(out)?.[1]);
  return { name, child, port, output: () => out, exited };
}

/** SIGTERM, then SIGKILL if it has not ended within `graceMs`; resolves with how it ended. */
async function stopApp(app: AppProcess, graceMs = 15_000): Promise<string> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return `already ended (${app.child.exitCode ?? app.child.signalCode})`;
  app.child.kill('SIGTERM');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), graceMs);
  const how = await app.exited;
  clearTimeout(timer);
  return String(how);
}

// ---------------------------------------------------------------------------------------------
// the bodies

/** An envelope of the shape and size the api emits for a new transfer with one callback address. */
function initiatedEnvelope(callbackUri: string) {
  return {
    id: randomUUID(),
    at: 0,
    type: 'TransferProcessInitiated',
    payload: {
      transferProcessId: randomUUID(),
      assetId: 'asset-1',
      contractId: 'contract-1',
      type: 'CONSUMER',
      protocol: 'dataspace-protocol-http',
      callbackAddresses: [{ uri: callbackUri, events: ['transfer.process'], transactional: false }],
    },
  };
}


// ---------------------------------------------------------------------------------------------
// (a) a bare keep-alive client

async function bareClient(receiver: ReceiverProcess): Promise<Row> {
  // The same pool settings as CallbackSender's agent, the same headers, node's http directly.
  const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 10_000, maxSockets: 256, maxFreeSockets: 64 });
  const uri = `${receiver.url}/cb`;
  const send = async (): Promise<void> => {
    const envelope = initiatedEnvelope(uri);
    envelope.at = Date.now();
    const body = JSON.stringify(envelope);
    const reply = await post(agent, receiver.port, '/cb', body, {
      'content-type': 'application/json',
      'user-agent': 'edc-callback-service',
      'webhook-id': envelope.id,
      'webhook-timestamp': String(Math.floor(envelope.at / 1000)),
      'x-event-sequence': '1',
    });
    if (reply.status !== 200) throw new Error(`receiver answered ${reply.status}`);
  };
  try {
    await receiver.reset();
    await pool(WARMUP, DISPATCH_CONCURRENCY, send);
    await receiver.waitFor(WARMUP, 10_000);
    await receiver.reset();
    const cpu = new CpuMeter([{ name: 'receiver', pid: receiver.child.pid }]);
    const t0 = Date.now();
    await pool(EVENTS, DISPATCH_CONCURRENCY, send);
    await receiver.waitFor(EVENTS, 10_000);
    const stats = await receiver.stats();
    const seconds = (stats.lastAt - t0) / 1000;
    return {
      scenario: `bare keep-alive client (node http.Agent, ${DISPATCH_CONCURRENCY} in flight)`,
      events: stats.unique,
      seconds,
      latencies: stats.latencies,
      duplicates: stats.duplicates,
      notes: [`body ${stats.meanBodyBytes} bytes; latency = one request at ${DISPATCH_CONCURRENCY} in flight`, cpu.report(seconds)],
    };
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// (b) a BullMQ worker doing nothing

async function noopWorker(redis: Redis, redisPid: number | undefined): Promise<Row> {
  const config = loadConfig({ ...cleanEnv(), REDIS_URL, REDIS_PREFIX: `bench-noop-${hex()}` });
  // The deliveries queue's own job options (DeliveryModule), and job data of the same size.
  const queue = new Queue<DeliveryJobData>(QUEUE.deliveries, {
    connection: redisOptionsFromUrl(config.redisUrl),
    prefix: bullPrefix(config),
    defaultJobOptions: { attempts: config.dispatch.maxAttempts, removeOnComplete: { age: 24 * 3600, count: 100_000 }, removeOnFail: false },
  });
  const uri = 'http://127.0.0.1:9/cb';
  const addJobs = async (n: number) => {
    for (let i = 0; i < n; i += 500) {
      const batch = Array.from({ length: Math.min(500, n - i) }, () => {
        const envelope = { ...initiatedEnvelope(uri), at: Date.now() };
        const data: DeliveryJobData = {
          eventId: envelope.id,
          eventType: 'TransferProcessInitiated',
          entity: { kind: 'transferprocess', id: envelope.payload.transferProcessId },
          sequence: 1,
          body: JSON.stringify(envelope),
          endpoint: { uri },
        };
        return { name: data.eventType, data, opts: { jobId: deliveryJobId(data.eventId, uri) } };
      });
      await queue.addBulk(batch);
    }
  };
  /** Drains `n` waiting jobs with a no-op worker; resolves with the wall time and duplicates. */
  const drain = async (n: number): Promise<{ t0: number; t1: number; duplicates: number; done: number }> => {
    const seen = new Set<string>();
    let duplicates = 0;
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const worker = createWorker(config, QUEUE.deliveries, async () => undefined, {
      concurrency: DISPATCH_CONCURRENCY,
      lockDuration: config.dispatch.lockDurationMs,
      stalledInterval: config.dispatch.lockDurationMs,
      autorun: false,
    });
    let t1 = 0;
    worker.on('completed', (job) => {
      if (seen.has(job.id!)) duplicates++;
      else seen.add(job.id!);
      if (seen.size === n) {
        t1 = Date.now();
        finish();
      }
    });
    await worker.waitUntilReady();
    const t0 = Date.now();
    void worker.run();
    await Promise.race([finished, new Promise((r) => setTimeout(r, RECEIPT_TIMEOUT_MS))]);
    await worker.close();
    return { t0, t1: t1 || Date.now(), duplicates, done: seen.size };
  };
  try {
    await addJobs(WARMUP);
    await drain(WARMUP);
    await addJobs(EVENTS);
    const before = await commandStats(redis);
    const cpu = new CpuMeter([{ name: 'redis', pid: redisPid }]);
    const run = await drain(EVENTS);
    const seconds = (run.t1 - run.t0) / 1000;
    const after = await commandStats(redis);
    return {
      scenario: `BullMQ no-op worker (concurrency ${DISPATCH_CONCURRENCY}, in the bench process)`,
      events: run.done,
      seconds,
      duplicates: run.duplicates,
      notes: [`${EVENTS} jobs added before the worker started; timed from its start to the last completion`, cpu.report(seconds), commandsPerEvent(before, after, run.done)],
    };
  } finally {
    await queue.close();
    await dropKeys(config);
  }
}

// ---------------------------------------------------------------------------------------------
// end to end

interface Peaks {
  outbox: number;
  eventsWaiting: number;
  deliveriesWaiting: number;
  deliveriesActive: number;
  deliveriesDelayed: number;
}

/** Samples the queue depths every SAMPLE_MS and keeps the peaks. */
function sampleQueues(main: Redis, config: AppConfig): { stop: () => Promise<Peaks> } {
  const redis = main.duplicate();
  const peaks: Peaks = { outbox: 0, eventsWaiting: 0, deliveriesWaiting: 0, deliveriesActive: 0, deliveriesDelayed: 0 };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const r = (await redis
        .pipeline()
        .llen(redisKey(config, 'outbox'))
        .llen(redisKey(config, QUEUE.events, 'wait'))
        .llen(redisKey(config, QUEUE.deliveries, 'wait'))
        .llen(redisKey(config, QUEUE.deliveries, 'active'))
        .zcard(redisKey(config, QUEUE.deliveries, 'delayed'))
        .exec())!.map(([, v]) => Number(v));
      peaks.outbox = Math.max(peaks.outbox, r[0]);
      peaks.eventsWaiting = Math.max(peaks.eventsWaiting, r[1]);
      peaks.deliveriesWaiting = Math.max(peaks.deliveriesWaiting, r[2]);
      peaks.deliveriesActive = Math.max(peaks.deliveriesActive, r[3]);
      peaks.deliveriesDelayed = Math.max(peaks.deliveriesDelayed, r[4]);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      redis.disconnect();
      return peaks;
    },
  };
}

/**
 * How often the measured delivery jobs were taken by a worker (`ats`) beyond the attempts they
 * used (`atm`): each extra take is a job that was parked (moved to delayed without using an
 * attempt, by the per-endpoint bulkhead or an open circuit) and came back.
 */
async function parkings(redis: Redis, config: AppConfig, exclude: Set<string>): Promise<{ jobs: number; parked: number; parkings: number; retries: number }> {
  const ids = (await redis.zrange(redisKey(config, QUEUE.deliveries, 'completed'), 0, -1)).filter((id) => !exclude.has(id));
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hmget(redisKey(config, QUEUE.deliveries, id), 'ats', 'atm');
  const rows = ((await pipeline.exec()) ?? []).map(([, v]) => (v as (string | null)[]).map((x) => Number(x ?? 0)));
  let parked = 0;
  let total = 0;
  let retries = 0;
  for (const [ats, atm] of rows) {
    if (ats > atm) parked++;
    total += Math.max(0, ats - atm);
    retries += Math.max(0, atm - 1);
  }
  return { jobs: ids.length, parked, parkings: total, retries };
}

async function endToEnd(receiver: ReceiverProcess, redis: Redis, redisPid: number | undefined, dispatchers: number, label: string, dispatcherEnv: Record<string, string> = {}): Promise<Row> {
  const REDIS_PREFIX = `bench-delivery-${hex()}`;
  const base = { ...cleanEnv(), REDIS_URL, REDIS_PREFIX, MANAGEMENT_API_KEY: API_KEY, CALLBACK_ALLOWED_HOSTS: '127.0.0.1' };
  const config = loadConfig(base);
  const apps: AppProcess[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: CREATE_CONCURRENCY });
  try {
    const api = await startApp('api', 'api', { ...base, API_PORT: '0', COUNTERPARTY_MODE: 'manual' });
    apps.push(api);
    const started = await Promise.all(
      Array.from({ length: dispatchers }, (_, i) =>
        startApp(`dispatcher ${i + 1}`, 'dispatcher', {
          ...base,
          DISPATCHER_PORT: '0',
          DISPATCH_CONCURRENCY: String(DISPATCH_CONCURRENCY),
          ...dispatcherEnv,
        }),
      ),
    );
    apps.push(...started);

    const body = JSON.stringify(benchTransfer(`${receiver.url}/cb`));
    const headers = { 'content-type': 'application/json', 'x-api-key': API_KEY };
    let refused = 0;
    let firstRefusal = '';
    const create = async (): Promise<void> => {
      const reply = await post(agent, api.port, '/management/v3/transferprocesses', body, headers);
      if (reply.status !== 200) {
        refused++;
        firstRefusal ||= `${reply.status} ${reply.body.slice(0, 300)}`;
      }
    };

    await receiver.reset();
    await pool(WARMUP, CREATE_CONCURRENCY, create);
    if (!(await receiver.waitFor(WARMUP, 60_000))) throw new Error(`warm-up: ${(await receiver.stats()).unique} of ${WARMUP} events arrived`);
    // The receiver has them all; wait until BullMQ has recorded them all as completed too.
    const completedKey = redisKey(config, QUEUE.deliveries, 'completed');
    for (let i = 0; i < 100 && (await redis.zcard(completedKey)) < WARMUP; i++) await new Promise((r) => setTimeout(r, 50));
    const warm = new Set(await redis.zrange(completedKey, 0, -1));
    await receiver.reset();

    const before = await commandStats(redis);
    const cpu = new CpuMeter([
      { name: 'api', pid: api.child.pid },
      ...started.map((d) => ({ name: d.name, pid: d.child.pid })),
      { name: 'redis', pid: redisPid },
      { name: 'receiver', pid: receiver.child.pid },
    ]);
    const sampler = sampleQueues(redis, config);
    const t0 = Date.now();
    await pool(EVENTS, CREATE_CONCURRENCY, create);
    const createdAt = Date.now();
    const expected = EVENTS - refused;
    const complete = await receiver.waitFor(expected);
    const stats = await receiver.stats();
    const peaks = await sampler.stop();
    const seconds = ((complete ? stats.lastAt : Date.now()) - t0) / 1000;
    const after = await commandStats(redis);
    const parked = await parkings(redis, config, warm);

    const createSeconds = (createdAt - t0) / 1000;
    const notes = [
      `${EVENTS} creates (${CREATE_CONCURRENCY} in flight) answered in ${createSeconds.toFixed(2)} s = ${Math.round(EVENTS / createSeconds)} creates/s; ` +
        `last receipt ${((stats.lastAt - createdAt) / 1000).toFixed(2)} s after the last create answered; body ${stats.meanBodyBytes} bytes`,
      `peaks (sampled every ${SAMPLE_MS} ms): outbox ${peaks.outbox}, events waiting ${peaks.eventsWaiting}, deliveries waiting ${peaks.deliveriesWaiting}, ` +
        `active ${peaks.deliveriesActive}, delayed ${peaks.deliveriesDelayed}`,
      `delivery jobs parked (moved to delayed without an attempt, then taken again): ${parked.parked} of ${parked.jobs} jobs, ${parked.parkings} parkings in all; retries ${parked.retries}`,
      cpu.report(seconds),
      commandsPerEvent(before, after, stats.unique),
    ];
    if (refused) notes.unshift(`WARNING: ${refused} creates refused, first: ${firstRefusal}`);
    if (!complete) notes.unshift(`WARNING: only ${stats.unique} of ${expected} events arrived within ${RECEIPT_TIMEOUT_MS / 1000} s of the last create`);
    return { scenario: label, events: stats.unique, seconds, latencies: stats.latencies, duplicates: stats.duplicates, notes };
  } catch (err) {
    for (const app of apps) console.error(`--- ${app.name} output:\n${app.output()}`);
    throw err;
  } finally {
    agent.destroy();
    const endings = await Promise.all(apps.map(async (app) => `${app.name} ${await stopApp(app)}`));
    const dropped = await dropKeys(config);
    console.log(`  [${label}] stopped: ${endings.join(', ')}; dropped ${dropped.toLocaleString('en-US')} keys of {${REDIS_PREFIX}}`);
  }
}

// ---------------------------------------------------------------------------------------------

function printTable(rows: Row[]): void {
  const bare = rows[0].events / rows[0].seconds;
  const header = ['scenario', 'events', 'seconds', 'events/s', 'x bare', 'p50 ms', 'p99 ms', 'duplicates'];
  const lines = rows.map((r) => {
    const rate = r.events / r.seconds;
    const sorted = r.latencies ? [...r.latencies].sort((a, b) => a - b) : undefined;
    return [
      r.scenario,
      r.events.toLocaleString('en-US'),
      r.seconds.toFixed(2),
      Math.round(rate).toLocaleString('en-US'),
      (rate / bare).toFixed(2),
      sorted?.length ? String(percentile(sorted, 0.5)) : '-',
      sorted?.length ? String(percentile(sorted, 0.99)) : '-',
      r.duplicates === undefined ? '-' : String(r.duplicates),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(row(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const l of lines) console.log(row(l));
}

export async function runDeliveryBench(): Promise<void> {
  const redis = new Redis(redisOptionsFromUrl(REDIS_URL));
  let receiver: ReceiverProcess | undefined;
  try {
    const info = await redis.info('server');
    const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    const cpus = os.cpus();
    console.log(`node ${process.version}, ${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} logical CPUs), Redis ${redisVersion}, ${os.platform()} ${os.release()}`);
    console.log(
      `Delivery bench: ${EVENTS.toLocaleString('en-US')} events per scenario after ${WARMUP} untimed; creates ${CREATE_CONCURRENCY} in flight; ` +
        `DISPATCH_CONCURRENCY=${DISPATCH_CONCURRENCY} per dispatcher; receiver, api and dispatchers are separate processes`,
    );
    const redisPid = await localRedisPid(redis);
    receiver = await ReceiverProcess.start();

    const rows: Row[] = [];
    const started = performance.now();
    rows.push(await bareClient(receiver));
    rows.push(await noopWorker(redis, redisPid));
    rows.push(await endToEnd(receiver, redis, redisPid, 1, 'end to end, 1 dispatcher'));
    rows.push(await endToEnd(receiver, redis, redisPid, 2, 'end to end, 2 dispatchers'));
    // Not a scenario of the issue: the 1-dispatcher run again with the per-endpoint bulkhead as
    // wide as the replica's concurrency (the default is a fifth of it, and this bench has one
    // endpoint), to show what the bulkhead's parking costs. See docs/performance.md.
    rows.push(
      await endToEnd(receiver, redis, redisPid, 1, `(diagnostic) 1 dispatcher, DISPATCH_ENDPOINT_CONCURRENCY=${DISPATCH_CONCURRENCY}`, {
        DISPATCH_ENDPOINT_CONCURRENCY: String(DISPATCH_CONCURRENCY),
      }),
    );
    const total = (performance.now() - started) / 1000;

    console.log('');
    printTable(rows);
    console.log('');
    for (const r of rows) {
      console.log(`${r.scenario}:`);
      for (const note of r.notes) console.log(`  ${note}`);
    }
    console.log('');
    console.log(`all scenarios in ${round1(total)} s; events/s = events / seconds, timed from the first send (create) to the last receipt`);
  } finally {
    await receiver?.stop();
    redis.disconnect();
  }
}
