import { Socket, connect } from 'net';
import Redis from 'ioredis';
import { AppConfig, connectRedis, parseRedisUrl } from '@app/platform';

/**
 * Counts the Redis commands one test file's processes send (those that name a key of its
 * prefix), through MONITOR, so a test can bound the work a request causes by counters rather
 * than by time. Commands run inside a script are not sent: they are counted apart (`inScripts`).
 * A single Redis only (MONITOR is per node).
 *
 * MONITOR is read from a plain socket, not ioredis's `monitor()`: when Redis is busy, the
 * MONITOR's "+OK" and the first monitored line arrive in one chunk, before ioredis has switched
 * the connection to monitoring, and it fails with "Command queue state error" (seen in CI).
 */
export class RedisWork {
  private sentCount = 0;
  private inScriptCount = 0;
  private readonly byCommand = new Map<string, number>();
  private marks = 0;
  private seenMark: (mark: string) => void = () => undefined;
  private buffered = '';

  private constructor(
    private readonly client: Redis,
    private readonly monitor: Socket,
    private readonly tag: string,
    private readonly markKey: string,
  ) {}

  static async start(config: Pick<AppConfig, 'redisUrl' | 'redisPrefix'>): Promise<RedisWork> {
    const target = parseRedisUrl(config.redisUrl);
    if (target.cluster) throw new Error('RedisWork counts the commands of a single Redis');
    const { host = '127.0.0.1', port = 6379, username, password } = target.options;
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.setEncoding('utf8');
    const auth = password ? `AUTH ${username ? `${username} ` : ''}${password}\r\n` : '';
    socket.write(`${auth}MONITOR\r\n`);
    const tag = `{${config.redisPrefix}`;
    const work = new RedisWork(connectRedis(config.redisUrl), socket, tag, `${tag}}:monitor-mark`);
    socket.on('data', (chunk: string) => work.read(chunk));
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
    this.monitor.destroy();
    this.client.disconnect();
  }

  private read(chunk: string): void {
    const lines = (this.buffered + chunk).split('\r\n');
    this.buffered = lines.pop() ?? '';
    for (const line of lines) this.count(line);
  }

  /** One MONITOR line: `+1796585399.892616 [0 127.0.0.1:55058] "cmd" "arg" ...` (`[0 lua]` inside a script). */
  private count(line: string): void {
    const bracket = line.indexOf('] "');
    if (!line.startsWith('+') || bracket < 0) return; // "+OK" and the AUTH reply
    const source = line.slice(line.indexOf('[') + 1, bracket);
    const args = [...line.slice(bracket + 2).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
    if (args[1]?.startsWith(this.markKey)) return this.seenMark(args[1]);
    if (!args.some((a) => a.includes(this.tag))) return;
    // Each replica's poll of the registered endpoints' version runs on a timer, whatever the requests.
    if (args.some((a) => a.endsWith(':endpoints-version'))) return;
    if (source.endsWith(' lua')) {
      this.inScriptCount++;
      return;
    }
    this.sentCount++;
    const name = args[0].toLowerCase();
    this.byCommand.set(name, (this.byCommand.get(name) ?? 0) + 1);
  }
}
