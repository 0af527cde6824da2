import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { API_KEY, REDIS_URL } from './settings';

/**
 * The product as ops run it: `node dist/apps/{api,dispatcher}/main.js`, configured only through
 * environment variables, on a Redis prefix of the scenario's own.
 */

const ROOT = path.resolve(__dirname, '..');

export interface AppProcess {
  name: string;
  child: ChildProcess;
  port: number;
  /** What it printed when it was ready (the dispatcher states its concurrency there). */
  banner: string;
  output: () => string;
  exited: Promise<number | string>;
}

/**
 * The environment of this process without anything that would change the product's behaviour
 * behind the scenario's back (static callbacks, signing, DISPATCH_* tuning), plus what every
 * scenario needs: its own prefix, a known API key, and loopback callback addresses allowed.
 */
function productEnv(redisPrefix: string): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([k]) =>
      !k.startsWith('EDC_CALLBACK_') &&
      !k.startsWith('DISPATCH_') &&
      !k.startsWith('CIRCUIT_') &&
      k !== 'CALLBACK_SIGNING_SECRET' &&
      k !== 'COUNTERPARTY_MODE',
  );
  return {
    ...Object.fromEntries(inherited),
    REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    MANAGEMENT_API_KEY: API_KEY,
    CALLBACK_ALLOWED_HOSTS: '127.0.0.1',
  };
}

/** Starts a built app and resolves once it prints "listening on". */
function startApp(name: string, app: 'api' | 'dispatcher', env: NodeJS.ProcessEnv): Promise<AppProcess> {
  const script = path.join(ROOT, 'dist', 'apps', app, 'main.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run "npm run build" first (npm run bench does)`);
  return startProcess(name, [script], env, 'listening on');
}

/**
 * Spawns node with `args` and resolves once its output has said `ready` ("listening on" for a
 * server, whose port is then read from "listening on http://localhost:<port>").
 */
export async function startProcess(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: string,
  timeoutMs = 30_000,
): Promise<AppProcess> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in time:\n${out}`)), timeoutMs);
    const onData = () => {
      if (!out.includes(ready)) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve();
    };
    child.stdout!.on('data', onData);
    exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start-up:\n${out}`));
    });
  }).catch((err) => {
    child.kill('SIGKILL');
    throw err;
  });
  const banner = out.slice(out.indexOf(ready));
  const port = Number(/listening on http:\/\/localhost:(\d+)/.exec(banner)?.[1]);
  return { name, child, port, banner, output: () => out, exited };
}

/**
 * The environment of this process for a peer of the product (the naive pair): only what it
 * reads, so no setting of the product's changes it.
 */
export function peerEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { PATH, HOME, NODE_OPTIONS } = process.env;
  return { PATH, HOME, NODE_OPTIONS, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), REDIS_URL, ...extra };
}

/** The api on a random port; COUNTERPARTY_MODE=manual, so a create emits exactly one event. */
export function startApi(redisPrefix: string): Promise<AppProcess> {
  return startApp('api', 'api', { ...productEnv(redisPrefix), API_PORT: '0', COUNTERPARTY_MODE: 'manual' });
}

/** One dispatcher on a random port, with the product's defaults except for `overrides`. */
export function startDispatcher(redisPrefix: string, overrides: Record<string, string> = {}): Promise<AppProcess> {
  return startApp('dispatcher', 'dispatcher', { ...productEnv(redisPrefix), DISPATCHER_PORT: '0', ...overrides });
}

/**
 * The dispatcher's in-flight limit (DISPATCH_CONCURRENCY): what its start-up line states, else
 * the documented default, 500; and a line saying which.
 */
export function inFlightLimit(dispatcher: AppProcess): { limit: number; text: string } {
  const stated = /concurrency (\d+)/.exec(dispatcher.banner)?.[1];
  const limit = Number(stated ?? 500);
  return {
    limit,
    text: `in-flight limit DISPATCH_CONCURRENCY=${limit} (${stated ? 'as the dispatcher stated at start-up' : 'the documented default: the dispatcher stated none'})`,
  };
}

/** SIGTERM, then SIGKILL if it has not ended within `graceMs`; resolves with how it ended. */
export async function stopApp(app: AppProcess, graceMs = 15_000): Promise<string> {
  if (app.child.exitCode !== null || app.child.signalCode !== null)
    return `${app.name} already ended (${app.child.exitCode ?? app.child.signalCode})`;
  app.child.kill('SIGTERM');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), graceMs);
  const how = await app.exited;
  clearTimeout(timer);
  return `${app.name} ${how}`;
}
