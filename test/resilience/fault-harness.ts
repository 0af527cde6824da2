/**
 * The fault harness: real processes (api, 2 dispatchers, a receiver, a redis-server of its own
 * with AOF on a free port) and, during a run of EVENTS events:
 * - a dispatcher killed with SIGKILL KILLS times at random moments, and restarted;
 * - Redis restarted once (SHUTDOWN, which writes the AOF, then started again on the same files);
 * - the api killed with SIGKILL once and restarted;
 * - Redis out of memory for OOM_MS (`CONFIG SET maxmemory 1`, so it refuses every write);
 * - every client connection dropped (`CLIENT KILL TYPE normal`) DROPS times during the burst;
 * - the receiver answering 500 to 30% of calls and hanging past the timeout on 5%.
 * Then it checks that every accepted event reached the receiver (by transfer, one event each in
 * manual mode), that no create was falsely refused (anything but 200 or 503, such as a 409 for
 * a create that a resent script had made, or a 500), and that no transfer got two events;
 * counts duplicates by webhook-id, and reports the time to drain. Exit code 1 on any of these.
 *   npm run test:faults          (EVENTS=1000 KILLS=1 DROPS=3 OOM_MS=2000 for a short run)
 * Duplicates are told by the fault that began last before their first 200. FAULTS_LOG_DIR=<dir>
 * keeps every process's output there (the apps at LOG_LEVEL=warn).
 * ORDERED=1: the callback address is ordered, and each transfer is moved on by signals (up to
 * 5 events each; EVENTS counts requests). Then it checks that every accepted event was delivered,
 * and that each transfer's first receipts (by webhook-id, whatever the answer) came in sequence
 * order with no gap.
 */
import 'reflect-metadata';
import { loadConfig, Partitions } from '@app/platform';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { contractAgreementKey } from '../../apps/api/src/contract-agreements/contract-agreement.store';
import { agreementFixture } from '../support/agreements';

const ROOT = path.resolve(__dirname, '../..');
const EVENTS = Number(process.env.EVENTS ?? 10_000);
const KILLS = Number(process.env.KILLS ?? 5);
const DROPS = Number(process.env.DROPS ?? 10);
const OOM_MS = Number(process.env.OOM_MS ?? 10_000);
const TIMEOUT_MS = 1000;
const ORDERED = process.env.ORDERED === '1';
/** In ordered mode, the signals that follow each create, one event each. */
const SIGNALS = ['provisioned', 'requested', 'started', 'completed'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Proc {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
}

/**
 * Every app's error lines (pino's level 50: a 500's stack), killed ones' too, printed when the
 * harness fails: a rare false refusal in CI is then explained by its run's own log.
 */
const errorLines: string[] = [];

function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, ready: string): Promise<Proc> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  if (process.env.FAULTS_LOG_DIR) {
    const file = createWriteStream(path.join(process.env.FAULTS_LOG_DIR, `${name}-${Date.now()}.log`));
    child.stdout!.pipe(file);
    child.stderr!.pipe(file);
  }
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${out.slice(-2000)}`)), 30_000);
    const onData = (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line.includes('"level":50')) errorLines.push(`${name}: ${line.slice(0, 2000)}`);
      if (out.includes(ready)) return;
      out += d;
      if (out.includes(ready)) {
        clearTimeout(timer);
        resolve({ name, child, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    exited.then(() => reject(new Error(`${name} exited during start:\n${out.slice(-2000)}`)));
  });
}

async function kill(proc: Proc, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill(signal);
  await proc.exited;
}

async function main(): Promise<void> {
  const redisPort = await freePort();
  const redisDir = mkdtempSync(path.join(tmpdir(), 'faults-redis-'));
  const redisArgs = [
    '--port',
    String(redisPort),
    '--bind',
    '127.0.0.1',
    '--dir',
    redisDir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
  ];
  const startRedis = () => start('redis', 'redis-server', redisArgs, {}, 'Ready to accept connections');
  let redis = await startRedis();
  const redisCli = (...args: string[]) => promisify(execFile)('redis-cli', ['-p', String(redisPort), ...args]);
  // The agreement every transfer names (a transfer needs one, as in EDC).
  await redisCli(
    'SET',
    contractAgreementKey(new Partitions('faults', loadConfig(process.env).redisPartitions), 'contract-1'),
    JSON.stringify(agreementFixture()),
  );

  // The receiver: 30% 500, 5% hang past the timeout, else 200; a transfer counts once a 200 went out.
  const delivered = new Map<string, number>();
  /** When each transfer's (or ordered event's) 200s went out: duplicates are told by the fault before them. */
  const deliveredAt = new Map<string, number[]>();
  const deliveredNow = (key: string) => deliveredAt.set(key, [...(deliveredAt.get(key) ?? []), Date.now()]);
  const received = new Map<string, number>();
  const eventsOf = new Map<string, Set<string>>();
  // Ordered mode: per transfer, the sequences of its first receipts in arrival order; the
  // (transfer, sequence) pairs answered 200.
  const firstReceipts = new Map<string, number[]>();
  const deliveredEvents = new Set<string>();
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      received.set(id, (received.get(id) ?? 0) + 1);
      if (ORDERED) {
        const transfer = JSON.parse(Buffer.concat(chunks).toString()).payload.transferProcessId as string;
        const sequence = Number(req.headers['x-event-sequence']);
        if (received.get(id) === 1) firstReceipts.set(transfer, [...(firstReceipts.get(transfer) ?? []), sequence]);
        const roll = Math.random();
        if (roll < 0.05) return;
        if (roll < 0.35) return void res.writeHead(500).end('no');
        return void res.writeHead(200).end('ok', () => {
          deliveredEvents.add(`${transfer}:${sequence}`);
          delivered.set(id, (delivered.get(id) ?? 0) + 1);
          deliveredNow(id);
        });
      }
      const roll = Math.random();
      if (roll < 0.05) return; // hangs; the dispatcher gives up after its timeout
      if (roll < 0.35) return void res.writeHead(500).end('no');
      const transfer = JSON.parse(Buffer.concat(chunks).toString()).payload.transferProcessId as string;
      eventsOf.set(transfer, (eventsOf.get(transfer) ?? new Set()).add(id));
      res.writeHead(200).end('ok', () => {
        delivered.set(transfer, (delivered.get(transfer) ?? 0) + 1);
        deliveredNow(transfer);
      });
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/faults`;

  const apiPort = await freePort();
  const env = {
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    REDIS_PREFIX: 'faults',
    MANAGEMENT_API_KEY: 'faults-key',
    COUNTERPARTY_MODE: 'manual',
    CALLBACK_ALLOWED_HOSTS: '127.0.0.1',
    DISPATCH_MAX_ATTEMPTS: '100',
    DISPATCH_BACKOFF_MS: '50',
    DISPATCH_BACKOFF_MAX_MS: '2000',
    DISPATCH_TIMEOUT_MS: String(TIMEOUT_MS),
    DISPATCH_LOCK_DURATION_MS: '3000',
    CIRCUIT_FAILURE_THRESHOLD: '1000',
    LOG_LEVEL: process.env.FAULTS_LOG_DIR ? 'warn' : 'error',
  };
  // Built apps by default; FAULTS_FROM_SOURCE=1 runs the sources (what npm test does, without a build).
  const node = (app: string) =>
    process.env.FAULTS_FROM_SOURCE
      ? ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', `apps/${app}/src/main.ts`]
      : [`dist/apps/${app}/main.js`];
  const fromSource = process.env.FAULTS_FROM_SOURCE ? { TS_NODE_PROJECT: 'tsconfig.json' } : {};
  const startApi = () => start('api', process.execPath, node('api'), { ...env, ...fromSource, API_PORT: String(apiPort) }, 'listening on');
  const startDispatcher = (i: number) =>
    start(`dispatcher-${i}`, process.execPath, node('dispatcher'), { ...env, ...fromSource, DISPATCHER_PORT: '0' }, 'listening on');
  let api = await startApi();
  const dispatchers = [await startDispatcher(0), await startDispatcher(1)];

  // Faults at random moments while the events are being created.
  const accepted: string[] = [];
  /** Ordered mode: events accepted per transfer (the create, then each signal answered 200). */
  const acceptedEvents = new Map<string, number>();
  let refused = 0;
  let unavailable = 0;
  const falselyRefused: string[] = [];
  let sent = 0;
  const faults: string[] = [];
  /** Each fault's name and when it began. */
  const faultTimes: { what: string; at: number }[] = [];
  const at = (fraction: number) => () => sent >= EVENTS * fraction;
  const plan: { when: () => boolean; what: string; run: () => Promise<void> }[] = [
    ...Array.from({ length: KILLS }, (_, k) => ({
      when: at((k + 1) / (KILLS + 2) + Math.random() * 0.05),
      what: `SIGKILL dispatcher ${k % 2}, restart`,
      run: async () => {
        await kill(dispatchers[k % 2]);
        dispatchers[k % 2] = await startDispatcher(k % 2);
      },
    })),
    {
      when: at(0.4),
      what: 'restart Redis (SHUTDOWN, AOF kept)',
      run: async () => {
        await kill(redis, 'SIGTERM');
        redis = await startRedis();
      },
    },
    {
      when: at(0.6),
      what: 'SIGKILL api, restart',
      run: async () => {
        await kill(api);
        api = await startApi();
      },
    },
    {
      when: at(0.75),
      what: `Redis out of memory for ${OOM_MS} ms`,
      run: async () => {
        await redisCli('CONFIG', 'SET', 'maxmemory', '1');
        setTimeout(
          () => void redisCli('CONFIG', 'SET', 'maxmemory', '0').catch((err) => faults.push(`  failed to end OOM: ${err.message}`)),
          OOM_MS,
        );
      },
    },
    ...Array.from({ length: DROPS }, (_, d) => ({
      when: at(0.05 + (0.9 * d) / Math.max(DROPS, 1) + Math.random() * 0.02),
      what: 'CLIENT KILL every connection',
      run: async () => void (await redisCli('CLIENT', 'KILL', 'TYPE', 'normal')),
    })),
  ];

  const startedAt = Date.now();
  const create = async (): Promise<void> => {
    try {
      const res = await fetch(`http://127.0.0.1:${apiPort}/management/v3/transferprocesses`, {
        method: 'POST',
        headers: { 'x-api-key': 'faults-key', 'content-type': 'application/json' },
        body: JSON.stringify({
          counterPartyAddress: 'http://p/dsp',
          protocol: 'dsp',
          contractId: 'contract-1',
          transferType: 'HttpData-PULL',
          callbackAddresses: [{ uri: receiverUrl, events: ['transfer.process'], ...(ORDERED ? { ordered: true } : {}) }],
        }),
        signal: AbortSignal.timeout(10_000),
      });
      if (res.status === 200) {
        const id = ((await res.json()) as { '@id': string })['@id'];
        accepted.push(id);
        if (ORDERED) await moveOn(id);
      } else refused++;
      if (res.status === 503) unavailable++;
      // 503 is the one honest refusal (Redis down or out of memory: nothing was made).
      if (res.status !== 200 && res.status !== 503) falselyRefused.push(`${res.status} ${(await res.text()).slice(0, 200)}`);
    } catch {
      refused++; // api down or Redis down: not accepted, so not owed
    }
  };
  // The signals of one transfer, in a row, until one is not answered 200 (a later one would be
  // illegal). A signal whose answer was lost may still have been committed: its event is then
  // delivered without being owed, which the order check allows.
  const moveOn = async (id: string): Promise<void> => {
    acceptedEvents.set(id, 1);
    for (const signal of SIGNALS) {
      sent++;
      const res = await fetch(`http://127.0.0.1:${apiPort}/signaling/v1/transferprocesses/${id}/${signal}`, {
        method: 'POST',
        headers: { 'x-api-key': 'faults-key' },
        signal: AbortSignal.timeout(10_000),
      }).catch(() => null);
      // Only 503 is an honest refusal: an earlier signal that was not answered 200 ended the row,
      // so a 409 here would be a resent script's false answer.
      if (res && res.status !== 200 && res.status !== 503)
        falselyRefused.push(`${signal}: ${res.status} ${(await res.text()).slice(0, 200)}`);
      if (res?.status !== 200) return;
      acceptedEvents.set(id, acceptedEvents.get(id)! + 1);
    }
  };
  const workers = Array.from({ length: 32 }, async () => {
    while (sent < EVENTS) {
      sent++;
      await create();
      const due = plan.find((f) => f.when());
      if (due) {
        plan.splice(plan.indexOf(due), 1);
        faults.push(`${due.what} after ${sent} sends`);
        faultTimes.push({ what: due.what, at: Date.now() });
        await due.run().catch((err) => faults.push(`  failed: ${err.message}`));
      }
    }
  });
  await Promise.all(workers);
  const sentAt = Date.now();

  // Drain: every accepted event delivered (a 200 answered), or give up.
  const owed = ORDERED ? [...acceptedEvents].flatMap(([id, n]) => Array.from({ length: n }, (_, i) => `${id}:${i + 1}`)) : accepted;
  const isDelivered = (owedEvent: string) => (ORDERED ? deliveredEvents.has(owedEvent) : delivered.has(owedEvent));
  const deadline = Date.now() + Number(process.env.DRAIN_TIMEOUT_MS ?? 180_000);
  while (owed.some((e) => !isDelivered(e)) && Date.now() < deadline) await sleep(250);
  const drainedAt = Date.now();
  const lost = owed.filter((e) => !isDelivered(e));
  const duplicates = [...delivered.values()].reduce((sum, n) => sum + n - 1, 0);
  // Each duplicate told by the last fault that began before its first 200.
  const duplicatesAfter = new Map<string, number>();
  for (const times of deliveredAt.values()) {
    if (times.length < 2) continue;
    const last = faultTimes.filter((f) => f.at <= times[0]).length - 1;
    const before = last < 0 ? 'no fault yet' : `fault ${last + 1}, ${faultTimes[last].what}`;
    duplicatesAfter.set(before, (duplicatesAfter.get(before) ?? 0) + times.length - 1);
  }
  const doubled = ORDERED ? [] : [...eventsOf].filter(([, ids]) => ids.size > 1).map(([transfer]) => transfer);
  // Ordered: first receipts 1, 2, ..., k, whatever k (events beyond those owed may come too).
  const reordered = [...firstReceipts]
    .filter(([, sequences]) => sequences.some((n, i) => n !== i + 1))
    .map(([transfer, sequences]) => `${transfer} [${sequences.join(',')}]`);
  const failed = lost.length > 0 || falselyRefused.length > 0 || doubled.length > 0 || reordered.length > 0;

  console.log(
    [
      `fault harness: ${EVENTS} ${ORDERED ? 'requests (creates and signals)' : 'creates'}, ${accepted.length}${ORDERED ? ' transfers' : ''} accepted, ${refused} refused (${unavailable} answered 503 while Redis was down or out of memory, ${refused - unavailable} unanswered while the api was down)`,
      ...faults.map((f) => `  fault: ${f}`),
      `  delivered: ${owed.length - lost.length} of ${owed.length} accepted events; lost ${lost.length}`,
      `  duplicates (the same event delivered with 200 more than once): ${duplicates}`,
      ...[...duplicatesAfter].map(([what, n]) => `    ${n} after: ${what}`),
      `  calls received: ${[...received.values()].reduce((a, b) => a + b, 0)} (retries of 500s and timeouts included)`,
      `  send phase ${((sentAt - startedAt) / 1000).toFixed(1)} s; drained ${((drainedAt - sentAt) / 1000).toFixed(1)} s after the last create`,
      lost.length ? `  LOST: ${lost.slice(0, 10).join(', ')}${lost.length > 10 ? ', ...' : ''}` : '  nothing lost',
      `  falsely refused requests (neither 200 nor 503): ${falselyRefused.length}${falselyRefused.length ? `: ${falselyRefused.slice(0, 3).join(' | ')}` : ''}`,
      ORDERED
        ? `  ordered: ${owed.length} events owed over ${acceptedEvents.size} transfers; transfers whose first receipts were out of order or had a gap: ${reordered.length}${reordered.length ? `: ${reordered.slice(0, 3).join(' | ')}` : ''}`
        : `  transfers with more than one event: ${doubled.length}`,
      failed ? '  FAILED' : '  all promises kept',
    ].join('\n'),
  );
  if (failed && errorLines.length) console.log(`the apps' errors (${errorLines.length}, the last 5):\n${errorLines.slice(-5).join('\n')}`);

  for (const p of [...dispatchers, api]) await kill(p, 'SIGTERM');
  await kill(redis, 'SIGTERM');
  receiver.closeAllConnections();
  receiver.close();
  rmSync(redisDir, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
