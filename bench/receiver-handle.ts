import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { PortStats, ReceiverCommand, ReceiverOptions, ReceiverReply, ReceiverStats } from './receiver';

const ROOT = path.resolve(__dirname, '..');

/** Totals of some ports of the receiver (all of them unless told). */
export function totals(stats: ReceiverStats, ports?: number[]): PortStats {
  const chosen = ports ? ports.map((p) => stats.ports[p]) : stats.ports;
  const received = chosen.filter((p) => p.unique > 0);
  return {
    unique: chosen.reduce((sum, p) => sum + p.unique, 0),
    duplicates: chosen.reduce((sum, p) => sum + p.duplicates, 0),
    withoutId: chosen.reduce((sum, p) => sum + p.withoutId, 0),
    firstAt: received.length ? Math.min(...received.map((p) => p.firstAt)) : 0,
    lastAt: received.length ? Math.max(...received.map((p) => p.lastAt)) : 0,
    bodyBytes: chosen.reduce((sum, p) => sum + p.bodyBytes, 0),
  };
}

/** The bench's side of a receiver process (receiver.ts). */
export class ReceiverHandle {
  private waiters: { type: ReceiverReply['type']; resolve: (r: ReceiverReply) => void }[] = [];

  private constructor(
    readonly child: ChildProcess,
    readonly ports: number[],
  ) {
    child.on('message', (reply: ReceiverReply) => {
      const i = this.waiters.findIndex((w) => w.type === reply.type);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(reply);
    });
  }

  static async start(options: ReceiverOptions = { ports: 1 }): Promise<ReceiverHandle> {
    const child = fork(path.join(__dirname, 'receiver.ts'), [], {
      cwd: ROOT,
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), BENCH_RECEIVER: JSON.stringify(options) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ports = await new Promise<number[]>((resolve, reject) => {
      child.once('message', (reply: ReceiverReply) =>
        reply.type === 'listening' ? resolve(reply.ports) : reject(new Error(`receiver said ${reply.type}`)),
      );
      child.once('exit', (code) => reject(new Error(`receiver exited (${code}) during start-up`)));
    });
    return new ReceiverHandle(child, ports);
  }

  /** The base URL of port `index`. */
  url(index = 0): string {
    return `http://127.0.0.1:${this.ports[index]}`;
  }

  private ask<T extends ReceiverReply['type']>(
    command: ReceiverCommand,
    type: T,
    timeoutMs = 10_000,
  ): Promise<Extract<ReceiverReply, { type: T }> | undefined> {
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

  /** True once `count` distinct events have arrived (on `ports`, or on any), false if they did not within `timeoutMs`. */
  async waitFor(count: number, timeoutMs: number, ports?: number[]): Promise<boolean> {
    return (await this.ask({ type: 'expect', count, ports }, 'reached', timeoutMs)) !== undefined;
  }

  async stats(): Promise<ReceiverStats> {
    const stats = await this.ask({ type: 'stats' }, 'stats');
    if (!stats) throw new Error('the receiver did not answer');
    return stats;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
