import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

export interface AppProcess {
  child: ChildProcess;
  /** The base URL it printed (`listening on http://localhost:<port>`). */
  url: string;
  output: () => string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string>;
}

/**
 * Starts `apps/<app>/src/main.ts` as a real process (ts-node, transpile only), so tests can
 * kill it with a signal, and resolves once it prints that it listens.
 */
export async function spawnApp(app: 'api' | 'dispatcher', env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<AppProcess> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', `apps/${app}/src/main.ts`],
    { cwd: ROOT, env: { ...process.env, ...env, TS_NODE_PROJECT: 'tsconfig.json' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${app} did not start in time:\n${out}`)), timeoutMs);
    const onData = () => {
      if (out.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${app} exited during start-up:\n${out}`));
    });
  });
  const url = /listening on (http:\/\/localhost:\d+)/.exec(out)![1];
  return { child, url, output: () => out, exited };
}

export async function stopApp(app: AppProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!app || app.child.exitCode !== null || app.child.signalCode !== null) return;
  app.child.kill(signal);
  await app.exited;
}

/** The JSON lines of an app's output (pino's), parsed; other lines are left out. */
export function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
