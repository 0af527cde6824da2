import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { BLOCKING_CONNECTION, connectRedis } from '../redis/redis-connection';
import { ENTRY_FIELD, ensureStreamGroup, StreamGroup } from './event-stream';

/** One entry of the event stream as a consumer sees it. */
export interface StreamEntry<T> {
  id: string;
  data: T;
}

export interface StreamConsumerOptions<T> {
  redisUrl: string;
  key: string;
  group: StreamGroup;
  /** How many entries the consumer can take now; 0 waits for `wake()`. */
  room(): number;
  /** Takes entries; the owner acknowledges each with `ack` once it is done with it. */
  take(entries: StreamEntry<T>[]): void;
  /** An entry pending this long in a consumer that is gone is claimed by another (ms). */
  claimIdleMs: number;
  logger: Logger;
}

const READ_BLOCK_MS = 1000;
const MAX_READ = 100;
const ERROR_PAUSE_MS = 1000;

/**
 * Reads one consumer group of the event stream: new entries as they come (a blocking read on a
 * connection of its own, as many as the owner has room for), and entries that a consumer which
 * died left pending (claimed once idle for `claimIdleMs`). Entries this consumer is still
 * working on are touched, so that no other consumer claims them meanwhile.
 */
export class StreamConsumer<T> {
  readonly name = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly reader: Redis;
  private readonly working = new Map<string, number>();
  private stopped = false;
  private loop?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private wakeUp?: () => void;

  constructor(
    private readonly commands: Redis,
    private readonly options: StreamConsumerOptions<T>,
  ) {
    this.reader = connectRedis(options.redisUrl, BLOCKING_CONNECTION);
    this.reader.on('error', (err: Error) => options.logger.warn(`Event stream reader: ${err.message}`));
  }

  start(): void {
    this.loop = this.readLoop();
    this.timer = setInterval(
      () => void this.claimAndTouch().catch((err) => this.options.logger.warn(`Event stream claim: ${err.message}`)),
      Math.max(100, this.options.claimIdleMs / 2),
    );
  }

  /** Stops reading; entries taken and not acknowledged stay pending for another consumer. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.wakeUp?.();
    await this.loop;
    this.reader.disconnect();
  }

  /** False once stopping: entries not yet done should be left to another consumer. */
  get reading(): boolean {
    return !this.stopped;
  }

  /** Tells the consumer that room has freed up. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Acknowledges entries: they leave the group's pending list. */
  async ack(ids: string[]): Promise<void> {
    for (const id of ids) this.working.delete(id);
    if (ids.length > 0) await this.commands.xack(this.options.key, this.options.group, ...ids);
  }

  /** Lets entries go without acknowledging them: another consumer (or this one) claims them later. */
  release(ids: string[]): void {
    for (const id of ids) this.working.delete(id);
  }

  private async readLoop(): Promise<void> {
    const { key, group } = this.options;
    let groupReady = false;
    while (!this.stopped) {
      try {
        if (!groupReady) {
          await ensureStreamGroup(this.commands, key, group);
          groupReady = true;
        }
        const room = Math.min(MAX_READ, this.options.room());
        if (room <= 0) {
          await new Promise<void>((resolve) => (this.wakeUp = resolve));
          continue;
        }
        const reply = (await this.reader.xreadgroup(
          'GROUP',
          group,
          this.name,
          'COUNT',
          room,
          'BLOCK',
          READ_BLOCK_MS,
          'STREAMS',
          key,
          '>',
        )) as [string, [string, string[]][]][] | null;
        if (reply) this.hand(reply[0][1]);
      } catch (err) {
        if (this.stopped) return;
        // NOGROUP: the stream was deleted (or never made): make the group again.
        if ((err as Error).message.startsWith('NOGROUP')) groupReady = false;
        this.options.logger.warn(`Event stream read failed, trying again: ${(err as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, ERROR_PAUSE_MS));
      }
    }
  }

  private hand(raw: [string, string[] | null][]): void {
    const entries: StreamEntry<T>[] = [];
    const now = Date.now();
    for (const [id, fields] of raw) {
      // A claimed entry that was trimmed meanwhile comes back without fields: nothing to do.
      const json = fields && fields[fields.indexOf(ENTRY_FIELD) + 1];
      if (!json || this.working.has(id)) continue;
      this.working.set(id, now);
      entries.push({ id, data: JSON.parse(json) as T });
    }
    if (entries.length > 0) this.options.take(entries);
  }

  // Claims what dead consumers left pending, and keeps this consumer's long-running entries
  // from being claimed by others (XCLAIM to itself resets their idle time).
  private async claimAndTouch(): Promise<void> {
    if (this.stopped) return;
    const { key, group, claimIdleMs } = this.options;
    const now = Date.now();
    // Touched from a quarter of the claim time on, with this running every half of it: an
    // entry of a live consumer is never idle for the whole claim time, even with a late timer.
    const old = [...this.working].filter(([, since]) => now - since >= claimIdleMs / 4).map(([id]) => id);
    if (old.length > 0) {
      await this.commands.xclaim(key, group, this.name, 0, ...old, 'JUSTID');
      for (const id of old) this.working.set(id, now);
    }
    const room = Math.min(MAX_READ, this.options.room());
    if (room <= 0) return;
    const [, claimed] = (await this.commands.xautoclaim(key, group, this.name, claimIdleMs, '0-0', 'COUNT', room)) as [
      string,
      [string, string[] | null][],
    ];
    if (claimed.length > 0) this.hand(claimed);
  }
}
