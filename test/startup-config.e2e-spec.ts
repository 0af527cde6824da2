import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ConfigError } from '../libs/platform/src/config/config-error';
import { loadConfig } from '../libs/platform/src/config/load-config';
import { closedPort } from './support/closed-port';

/**
 * Each variable group, given one bad value (and a valid rest), stops the process at start-up:
 * a non-zero exit within a few seconds, one line naming the variable and why, and no stack
 * trace. DESIGN.md "Running it": "an invalid value stops the process with a message that names
 * the variable".
 *
 * Every case is read by `loadConfig`, the function both mains call first, and its message
 * checked as `runMain` prints it. A few run as real processes too (an api, a dispatcher, two
 * problems at once, and Redis unreachable): they prove the way from that message to the exit,
 * which every case shares. Each process costs ~1.5 s of ts-node CPU, so not every case is one.
 */

const ROOT = path.resolve(__dirname, '..');
/** As test/support/harness.ts reads it (not imported: that would compile both apps into this test). */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Processes started at once: ts-node takes ~1.5 s of CPU each and the machine has 2 cores. */
const PARALLEL = 2;
/**
 * "Within a few seconds". Alone, one such process exits after ~1.5 s (nearly all of it
 * ts-node compiling the app); on 2 cores shared with other test files and other users it has
 * taken up to ~20 s. So the bound tells a process that exits from one that hangs or keeps
 * retrying; it does not time the machine.
 */
const EXIT_WITHIN_MS = 30_000;

type AppName = 'api' | 'dispatcher';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  elapsedMs: number;
}

interface Case {
  name: string;
  /** Also started as a real process. */
  process?: true;
  app: AppName;
  env: Record<string, string>;
  /** Every variable the message must name. */
  variables: string[];
  /** What the message must say about why. */
  reason: RegExp;
}

/** A valid environment of its own (prefix, key, ports 0), with no configuration inherited from the runner. */
function baseEnv(): NodeJS.ProcessEnv {
  const inherited: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    const upper = name.toUpperCase().replace(/[.-]/g, '_');
    const configuration =
      /^(EDC_|DISPATCH|CALLBACK_|CIRCUIT_|API_|REDIS_|LOG_|SIMULATION_|OUTBOX_|DELIVERY_|SHUTDOWN_|EVENT_|PUBLIC_BASE_URL$|COUNTERPARTY_MODE$|MANAGEMENT_API_KEY$|HTTPS?_PROXY$|NO_PROXY$|OTEL_)/;
    if (configuration.test(upper)) continue;
    inherited[name] = value;
  }
  return {
    ...inherited,
    REDIS_URL,
    REDIS_PREFIX: `test-${randomBytes(4).toString('hex')}`,
    MANAGEMENT_API_KEY: 'test-api-key',
    API_PORT: '0',
    DISPATCHER_PORT: '0',
    TS_NODE_PROJECT: 'tsconfig.json',
  };
}

/**
 * Runs `apps/<app>/src/main.ts` as a real process and resolves when it exits. One that starts
 * anyway ("listening on") or outlives `timeoutMs` is killed at once: it has already failed.
 */
function runUntilExit(app: AppName, env: Record<string, string>, timeoutMs = EXIT_WITHIN_MS + 5_000): Promise<Exit> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', `apps/${app}/src/main.ts`],
    { cwd: ROOT, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
    if (output.includes('listening on')) child.kill('SIGKILL');
  });
  child.stderr.on('data', (d) => (output += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, elapsedMs: Date.now() - started });
    }),
  );
}

/** Runs `jobs` at most `limit` at a time, results in order. */
async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]();
      }
    }),
  );
  return results;
}

const hook = { EDC_CALLBACK_X_URI: 'https://hooks.example/x', EDC_CALLBACK_X_EVENTS: 'transfer.process' };
const integer = /must be an integer/;

const cases: Case[] = [
  {
    name: 'REDIS_URL not a redis URL',
    app: 'api',
    process: true,
    env: { REDIS_URL: 'not-a-redis-url' },
    variables: ['REDIS_URL'],
    reason: /must be .*redis.*URL/,
  },
  { name: 'API_PORT out of range', app: 'api', env: { API_PORT: '70000' }, variables: ['API_PORT'], reason: integer },
  {
    name: 'DISPATCHER_PORT not a number',
    app: 'dispatcher',
    env: { DISPATCHER_PORT: 'abc' },
    variables: ['DISPATCHER_PORT'],
    reason: integer,
  },
  {
    name: 'API_BODY_LIMIT not a size',
    app: 'api',
    env: { API_BODY_LIMIT: 'lots' },
    variables: ['API_BODY_LIMIT'],
    reason: /must be a size/,
  },
  {
    name: 'PUBLIC_BASE_URL not http(s)',
    app: 'api',
    env: { PUBLIC_BASE_URL: 'ftp://x' },
    variables: ['PUBLIC_BASE_URL'],
    reason: /must be .*http.*URL/,
  },
  {
    name: 'COUNTERPARTY_MODE unknown',
    app: 'api',
    env: { COUNTERPARTY_MODE: 'auto' },
    variables: ['COUNTERPARTY_MODE'],
    reason: /simulated or manual/,
  },
  {
    name: 'CALLBACK_SIGNING_SECRET malformed',
    app: 'dispatcher',
    env: { CALLBACK_SIGNING_SECRET: 'nope' },
    variables: ['CALLBACK_SIGNING_SECRET'],
    reason: /whsec_/,
  },
  {
    name: 'CALLBACK_ALLOWED_HOSTS not a host or CIDR',
    app: 'dispatcher',
    env: { CALLBACK_ALLOWED_HOSTS: 'not/a/cidr' },
    variables: ['CALLBACK_ALLOWED_HOSTS'],
    reason: /not a host, IP or CIDR: not\/a\/cidr/,
  },
  {
    name: 'HTTPS_PROXY not an http(s) proxy URL (its password not echoed)',
    app: 'dispatcher',
    env: { HTTPS_PROXY: 'socks5://ops:hunter2@proxy:1080' },
    variables: ['HTTPS_PROXY'],
    reason: /must be an http:\/\/ or https:\/\/ proxy URL(?![^]*hunter2)/,
  },
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT not a URL',
    app: 'api',
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' },
    variables: ['OTEL_EXPORTER_OTLP_ENDPOINT'],
    reason: /must be an http:\/\/ or https:\/\/ URL/,
  },
  {
    name: 'DISPATCH_MAX_ATTEMPTS zero',
    app: 'dispatcher',
    env: { DISPATCH_MAX_ATTEMPTS: '0' },
    variables: ['DISPATCH_MAX_ATTEMPTS'],
    reason: integer,
  },
  {
    name: 'DISPATCH_BACKOFF_MS negative',
    app: 'dispatcher',
    env: { DISPATCH_BACKOFF_MS: '-5' },
    variables: ['DISPATCH_BACKOFF_MS'],
    reason: integer,
  },
  {
    name: 'DISPATCH_BACKOFF_MAX_MS below DISPATCH_BACKOFF_MS',
    app: 'dispatcher',
    env: { DISPATCH_BACKOFF_MS: '5000', DISPATCH_BACKOFF_MAX_MS: '1000' },
    variables: ['DISPATCH_BACKOFF_MAX_MS'],
    reason: /must not be below DISPATCH_BACKOFF_MS/,
  },
  {
    name: 'DISPATCH_TIMEOUT_MS not a number',
    app: 'dispatcher',
    env: { DISPATCH_TIMEOUT_MS: 'x' },
    variables: ['DISPATCH_TIMEOUT_MS'],
    reason: integer,
  },
  {
    name: 'DISPATCH_CONCURRENCY zero',
    app: 'dispatcher',
    process: true,
    env: { DISPATCH_CONCURRENCY: '0' },
    variables: ['DISPATCH_CONCURRENCY'],
    reason: integer,
  },
  {
    name: 'static callback without _EVENTS',
    app: 'dispatcher',
    env: { EDC_CALLBACK_X_URI: 'https://hooks.example/x' },
    variables: ['EDC_CALLBACK_X_EVENTS'],
    reason: /required/,
  },
  {
    name: 'static callback URI not http(s)',
    app: 'dispatcher',
    env: { ...hook, EDC_CALLBACK_X_URI: 'ftp://hooks.example/x' },
    variables: ['EDC_CALLBACK_X_URI'],
    reason: /http or https/,
  },
  {
    name: 'static callback signing secret malformed',
    app: 'dispatcher',
    env: { ...hook, EDC_CALLBACK_X_SIGNING_SECRET: 'nope' },
    variables: ['EDC_CALLBACK_X_SIGNING_SECRET'],
    reason: /whsec_/,
  },
  {
    name: 'EDC_VAULT_SECRETS malformed',
    app: 'api',
    env: { EDC_VAULT_SECRETS: 'novalue' },
    variables: ['EDC_VAULT_SECRETS'],
    reason: /alias:value/,
  },
  { name: 'EVENT_MAX_BYTES too small', app: 'api', env: { EVENT_MAX_BYTES: '1' }, variables: ['EVENT_MAX_BYTES'], reason: integer },
  {
    name: 'SHUTDOWN_GRACE_MS not a number',
    app: 'dispatcher',
    env: { SHUTDOWN_GRACE_MS: 'abc' },
    variables: ['SHUTDOWN_GRACE_MS'],
    reason: integer,
  },
  {
    name: 'two bad variables at once',
    app: 'api',
    process: true,
    env: { API_PORT: '70000', COUNTERPARTY_MODE: 'auto' },
    variables: ['API_PORT', 'COUNTERPARTY_MODE'],
    reason: /simulated or manual/,
  },
];

/** Every line it printed that is not blank. */
const linesOf = (output: string) => output.split('\n').filter((line) => line.trim() !== '');

/** Fails with every check that does not hold, and what the process printed. */
function expectChecks(exit: Exit, checks: Record<string, boolean>): void {
  const failed = Object.entries(checks)
    .filter(([, ok]) => !ok)
    .map(([what]) => what);
  if (failed.length > 0)
    throw new Error(
      `expected: ${failed.join('; ')}\ngot exit ${exit.code ?? exit.signal} after ${exit.elapsedMs} ms, output:\n${exit.output}`,
    );
}

/** What `runMain` prints when `loadConfig` refuses the case's environment. */
function configMessage(c: Case): string {
  try {
    loadConfig({ ...baseEnv(), ...c.env });
  } catch (err) {
    if (err instanceof ConfigError) return `${c.app}: ${err.message}`;
    throw err;
  }
  return '(loadConfig accepted it)';
}

/** The message names every variable of the case and says why, on one line. */
function messageChecks(c: Case, output: string): Record<string, boolean> {
  const lines = linesOf(output);
  return {
    'no stack trace': !/^\s+at /m.test(output),
    'exactly one line': lines.length === 1,
    ...Object.fromEntries(c.variables.map((v) => [`the line names ${v}`, lines[0]?.includes(v) ?? false])),
    [`the line gives the reason (${c.reason})`]: c.reason.test(lines[0] ?? ''),
  };
}

const asProcesses = cases.filter((c) => c.process);

describe('start-up with an invalid configuration', () => {
  let exits: Exit[];
  let redisDown: Exit;
  let redisDownUrl: string;

  beforeAll(async () => {
    redisDownUrl = `redis://127.0.0.1:${await closedPort()}`;
    const results = await pool(
      [...asProcesses.map((c) => () => runUntilExit(c.app, c.env)), () => runUntilExit('dispatcher', { REDIS_URL: redisDownUrl })],
      PARALLEL,
    );
    redisDown = results.pop()!;
    exits = results;
  }, 300_000);

  it.each(cases.map((c) => [c.name, c] as const))('%s: refused with one line naming it', (_name, c) => {
    const output = configMessage(c);
    expectChecks({ code: 1, signal: null, output, elapsedMs: 0 }, messageChecks(c, output));
  });

  it.each(asProcesses.map((c, i) => [c.name, i] as const))('%s, as a real process: exits non-zero at once with that line', (_name, i) => {
    const exit = exits[i];
    expectChecks(exit, {
      'a non-zero exit code': exit.code !== null && exit.code !== 0,
      [`an exit within ${EXIT_WITHIN_MS} ms`]: exit.elapsedMs < EXIT_WITHIN_MS,
      'no "listening on"': !exit.output.includes('listening on'),
      ...messageChecks(asProcesses[i], exit.output),
    });
  });

  it('an unreachable Redis: one sentence that says to start one with redis-server, exit non-zero', () => {
    const lines = linesOf(redisDown.output);
    expectChecks(redisDown, {
      'a non-zero exit code': redisDown.code !== null && redisDown.code !== 0,
      [`an exit within ${EXIT_WITHIN_MS} ms`]: redisDown.elapsedMs < EXIT_WITHIN_MS,
      'no stack trace': !/^\s+at /m.test(redisDown.output),
      'exactly one line': lines.length === 1,
      'the line says redis-server': lines[0]?.includes('redis-server') ?? false,
      'the line names the URL': lines[0]?.includes(redisDownUrl) ?? false,
    });
  });
});
