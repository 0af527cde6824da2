import Redis from 'ioredis';
import { AppConfig, connectRedis } from '@app/platform';

/**
 * Counts the Redis commands one test file's processes send (those that name a key of its
 * prefix), through MONITOR, so a test can bound the work a request causes by counters rather
 * than by time. Commands run inside a script are not sent: they are counted apart (`inScripts`).
 * A single Redis only (MONITOR is per node).
 */
export class RedisWork {
  private sentCount = 0;
  private inScriptCount = 0;
  private readonly byCommand = new Map<string, number>();
  private marks = 0;
  private seenMark: (mark: string) => void = () => undefined;

  private constructor(
    private readonly client: Redis,
    private readonly monitor: { disconnect(): void },
    private readonly markKey: string,
  ) {}

  static async start(config: Pick<AppConfig, 'redisUrl' | 'redisPrefix'>): Promise<RedisWork> {
    const client = connectRedis(config.redisUrl);
    const monitor = await client.monitor();
    const tag = `{${config.redisPrefix}`;
    const work = new RedisWork(client, monitor, `${tag}}:monitor-mark`);
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (args[1]?.startsWith(work.markKey)) return work.seenMark(args[1]);
      if (!args.some((a) => a.includes(tag))) return;
      // Each replica's poll of the registered endpoints' version runs on a timer, whatever the requests.
      if (args.some((a) => a.endsWith(':endpoints-version'))) return;
      if (source === 'lua') {
        work.inScriptCount++;
        return;
      }
      work.sentCount++;
      const name = args[0].toLowerCase();
      work.byCommand.set(name, (work.byCommand.get(name) ?? 0) + 1);
    });
    await work.settle();
    return work;
  }

  /** What was counted since the last call (once MONITOR has caught up), then counting starts again from zero. */
  async take(): Promise<{ sent: number; inScripts: number; byCommand: Record<string, number> }> {
    await this.settle();
    const taken = { sent: this.sentCount, inScripts: this.inScriptCount, byCommand: Object.fromEntries(this.byCommand) };
    this.sentCount = 0;
    this.inScriptCount = 0;
    this.byCommand.clear();
    return taken;
  }

  /** Waits until MONITOR has shown everything sent before: it shows commands in the order Redis ran them. */
  async settle(): Promise<void> {
    const mark = `${this.markKey}:${++this.marks}`;
    const seen = new Promise<void>((resolve) => {
      this.seenMark = (m) => {
        if (m === mark) resolve();
      };
    });
    await this.client.exists(mark);
    await seen;
  }

  close(): void {
    this.monitor.disconnect();
    this.client.disconnect();
  }
}
