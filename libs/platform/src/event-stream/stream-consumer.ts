import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { BLOCKING_CONNECTION, connectRedis } from '../redis/redis-connection';
import { ENTRY_FIELD, ensureStreamGroup, StreamGroup } from './event-stream';

/** One entry of the event stream as a consumer sees it. */
export interface StreamEntry<T> {
  /** The stream it was read from. */
  key: string;
  id: string;
  data: T;
}

export interface StreamConsumerOptions<T> {
  redisUrl: string;
  /**
   * The streams it reads, all with one blocking read. On a Redis Cluster, streams of different
   * slots cannot share a read (CROSSSLOT): there, one consumer per stream.
   */
  keys: string[];
  group: StreamGroup;
  /** How many entries the consumer can take now, from each stream; 0 waits for `wake()`. */
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

type RawEntries = [string, string[] | null][];

/**
 * Reads one consumer group of the event stream: new entries as they come (a blocking read on a
 * connection of its own, as many as the owner has room for), and entries that a consumer which
 * died left pending (claimed once idle for `claimIdleMs`). Entries this consumer is still
 * working on are touched, so that no other consumer claims them meanwhile.
 *
 * One consumer may read several streams (one per partition) with one XREADGROUP: at a moderate
 * rate each event cost a read of its own when every stream had its reader (docs/performance.md,
 * "One reader for every partition").
 */
export class StreamConsumer<T> {
  readonly name = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly reader: Redis;
  /** Entries taken and not yet acknowledged or released, by stream: id → since when (ms). */
  private readonly working: Map<string, Map<string, number>>;
  private stopped = false;
  private loop?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private wakeUp?: () => void;

  constructor(
    private readonly commands: Redis,
    private readonly options: StreamConsumerOptions<T>,
  ) {
    this.working = new Map(options.keys.map((key) => [key, new Map()]));
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

  /** Acknowledges entries: they leave the group's pending list (one XACK per stream, sent together). */
  async ack(entries: Pick<StreamEntry<T>, 'key' | 'id'>[]): Promise<void> {
    const byKey = this.forget(entries);
    await Promise.all([...byKey].map(([key, ids]) => this.commands.xack(key, this.options.group, ...ids)));
  }

  /** Lets entries go without acknowledging them: another consumer (or this one) claims them later. */
  release(entries: Pick<StreamEntry<T>, 'key' | 'id'>[]): void {
    this.forget(entries);
  }

  /** Drops entries from `working`, and gives their ids by stream. */
  private forget(entries: Pick<StreamEntry<T>, 'key' | 'id'>[]): Map<string, string[]> {
    const byKey = new Map<string, string[]>();
    for (const { key, id } of entries) {
      this.working.get(key)?.delete(id);
      const ids = byKey.get(key);
      if (ids) ids.push(id);
      else byKey.set(key, [id]);
    }
    return byKey;
  }

  private async readLoop(): Promise<void> {
    const { keys, group } = this.options;
    // XREADGROUP's arguments after COUNT: the block, the streams, and `>` (new entries) for each.
    const streams = ['BLOCK', READ_BLOCK_MS, 'STREAMS', ...keys, ...keys.map(() => '>')];
    let groupsReady = false;
    while (!this.stopped) {
      try {
        if (!groupsReady) {
          await Promise.all(keys.map((key) => ensureStreamGroup(this.commands, key, group)));
          groupsReady = true;
        }
        const room = Math.min(MAX_READ, this.options.room());
        if (room <= 0) {
          await new Promise<void>((resolve) => (this.wakeUp = resolve));
          continue;
        }
        const reply = (await this.reader.call('XREADGROUP', 'GROUP', group, this.name, 'COUNT', room, ...streams)) as
          [string, RawEntries][] | null;
        if (reply) for (const [key, raw] of reply) this.hand(key, raw);
      } catch (err) {
        if (this.stopped) return;
        // NOGROUP: a stream was deleted (or never made): make the groups again.
        if ((err as Error).message.startsWith('NOGROUP')) groupsReady = false;
        this.options.logger.warn(`Event stream read failed, trying again: ${(err as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, ERROR_PAUSE_MS));
      }
    }
  }

  private hand(key: string, raw: RawEntries): void {
    const working = this.working.get(key)!;
    const entries: StreamEntry<T>[] = [];
    const now = Date.now();
    for (const [id, fields] of raw) {
      // A claimed entry that was trimmed meanwhile comes back without fields: nothing to do.
      const json = fields && fields[fields.indexOf(ENTRY_FIELD) + 1];
      if (!json || working.has(id)) continue;
      working.set(id, now);
      entries.push({ key, id, data: JSON.parse(json) as T });
    }
    if (entries.length > 0) this.options.take(entries);
  }

  // Claims what dead consumers left pending, and keeps this consumer's long-running entries
  // from being claimed by others (XCLAIM to itself resets their idle time). Every stream's
  // commands are issued at once: they go to Redis together.
  private async claimAndTouch(): Promise<void> {
    if (this.stopped) return;
    await Promise.all(this.options.keys.map((key) => this.claimAndTouchIn(key)));
  }

  private async claimAndTouchIn(key: string): Promise<void> {
    const { group, claimIdleMs } = this.options;
    const working = this.working.get(key)!;
    const now = Date.now();
    // Touched from a quarter of the claim time on, with this running every half of it: an
    // entry of a live consumer is never idle for the whole claim time, even with a late timer.
    const old = [...working].filter(([, since]) => now - since >= claimIdleMs / 4).map(([id]) => id);
    if (old.length > 0) {
      await this.commands.xclaim(key, group, this.name, 0, ...old, 'JUSTID');
      for (const id of old) if (working.has(id)) working.set(id, now);
    }
    const room = Math.min(MAX_READ, this.options.room());
    if (room <= 0) return;
    const [, claimed] = (await this.commands.xautoclaim(key, group, this.name, claimIdleMs, '0-0', 'COUNT', room)) as [string, RawEntries];
    if (claimed.length > 0) this.hand(key, claimed);
  }
}
