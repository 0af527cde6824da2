import { ChildProcess, execFile, spawn } from 'node:child_process';
import net, { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Binds `port` (0: any) on 127.0.0.1 and closes it again; resolves with the port, or undefined if taken. */
async function tryPort(port: number): Promise<number | undefined> {
  const server = net.createServer();
  const bound = await new Promise<boolean>((resolve) =>
    server.once('error', () => resolve(false)).listen(port, '127.0.0.1', () => resolve(true)),
  );
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
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await tryPort(20_000 + Math.floor(Math.random() * 12_000));
    if (port !== undefined) return port;
  }
  return (await tryPort(0))!;
}

/** A throw-away redis-server of this test's own (no persistence), on a port of its own. */
export class DedicatedRedis {
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

  /** One redis-cli command against it; its reply as text. */
  async cli(...args: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)('redis-cli', ['-p', String(this.port), ...args]);
    return stdout.trim();
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
