import Redis from 'ioredis';
import { Partition, partitionKey } from '../partitions/partitions';

/**
 * The event stream: the transactional outbox, as a Redis stream, one per partition. The scripts
 * that commit a state change append its event to its object's partition's stream (XADD) in the
 * same step, and consumer groups read every partition's stream:
 * - `dispatch`: the dispatchers, which deliver each event to its endpoints;
 * - `simulation`: the api in simulated mode, which schedules the counterparty's next step.
 * An entry stays pending in a group until a consumer acknowledges it, so one that dies holding
 * it loses nothing: another consumer claims it once it has been idle long enough.
 */
export const STREAM_GROUPS = { dispatch: 'dispatch', simulation: 'simulation' } as const;
export type StreamGroup = (typeof STREAM_GROUPS)[keyof typeof STREAM_GROUPS];

/** The one field of an entry: the event's job data, as JSON. */
export const ENTRY_FIELD = 'event';

// Every commit script appends its event with `scripts/append-event.lua` (`--- @include`d), so
// the entry's layout is written in one place, next to the reader's (`StreamConsumer`). Its field
// is `ENTRY_FIELD` (a test holds the two equal).

export function eventStreamKey(partition: Partition): string {
  return partitionKey(partition, 'event-stream');
}

/** The groups that read the stream (none when it does not exist). */
export async function streamGroups(redis: Redis, key: string): Promise<string[]> {
  const groups = (await redis.xinfo('GROUPS', key).catch(() => [])) as unknown[][];
  return groups.map((fields) => String(Object.fromEntries(pairs(fields)).name));
}

/**
 * Creates `group` (reading from the stream's first entry) unless it exists. Asked first with a
 * read, since Redis out of memory refuses XGROUP CREATE even for a group that exists.
 */
export async function ensureStreamGroup(redis: Redis, key: string, group: StreamGroup): Promise<void> {
  if ((await streamGroups(redis, key)).includes(group)) return;
  try {
    await redis.xgroup('CREATE', key, group, '0', 'MKSTREAM');
  } catch (err) {
    if (!(err as Error).message.startsWith('BUSYGROUP')) throw err;
  }
}

/**
 * Drops the entries that every group has acknowledged: those older than each group's oldest
 * pending entry, or, for a group with none pending, than its last delivered one. Redis 7 keeps
 * acknowledged entries until trimmed. Nothing is trimmed until every group in `required`
 * exists: a group made later reads from the stream's first entry, so what it has not read yet
 * must still be there.
 */
export async function trimAcknowledged(redis: Redis, key: string, required: StreamGroup[]): Promise<number> {
  const groups = (await redis.xinfo('GROUPS', key).catch(() => [])) as unknown[][];
  const names = groups.map((fields) => String(Object.fromEntries(pairs(fields)).name));
  if (groups.length === 0 || required.some((group) => !names.includes(group))) return 0;
  const floors = await Promise.all(
    groups.map(async (fields) => {
      const info = Object.fromEntries(pairs(fields)) as Record<string, unknown>;
      if (Number(info.pending) > 0) {
        const [, oldest] = (await redis.xpending(key, String(info.name))) as [number, string, string, unknown];
        return oldest;
      }
      return String(info['last-delivered-id']);
    }),
  );
  const floor = floors.reduce((a, b) => (compareIds(a, b) <= 0 ? a : b));
  return floor === '0-0' ? 0 : redis.xtrim(key, 'MINID', floor);
}

/** A consumer gone this long with nothing pending is forgotten (each process start adds one). */
const CONSUMER_FORGOTTEN_AFTER_MS = 3600_000;

/** Removes consumers of `group` that hold nothing and have been idle for `idleMs` (an hour). */
export async function forgetIdleConsumers(
  redis: Redis,
  key: string,
  group: StreamGroup,
  idleMs = CONSUMER_FORGOTTEN_AFTER_MS,
): Promise<number> {
  const consumers = (await redis.xinfo('CONSUMERS', key, group).catch(() => [])) as unknown[][];
  let forgotten = 0;
  for (const fields of consumers) {
    const info = Object.fromEntries(pairs(fields)) as Record<string, unknown>;
    if (Number(info.pending) === 0 && Number(info.idle) >= idleMs) {
      await redis.xgroup('DELCONSUMER', key, group, String(info.name));
      forgotten++;
    }
  }
  return forgotten;
}

function pairs(fields: unknown[]): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (let i = 0; i < fields.length; i += 2) out.push([String(fields[i]), fields[i + 1]]);
  return out;
}

/** Orders two stream ids (`<ms>-<seq>`). */
function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
}
