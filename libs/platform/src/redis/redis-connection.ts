import Redis, { Cluster, RedisOptions } from 'ioredis';
import { parseRedisUrl } from './redis-url';

/**
 * A connection to the Redis of `REDIS_URL`: a client of one server, or of a Redis Cluster
 * (`redis+cluster://`). Typed as `Redis` either way: a cluster client takes the same commands
 * and scripts, and every command or script of ours stays within one hash tag, as a cluster
 * requires. `options` apply to each connection (a cluster's to each node's); `enableOfflineQueue`,
 * `lazyConnect` and `retryStrategy` to the client as a whole.
 */
export function connectRedis(url: string, options: RedisOptions = {}): Redis {
  const target = parseRedisUrl(url);
  if (!target.cluster) return new Redis({ ...target.options, ...options });
  const { enableOfflineQueue, lazyConnect, retryStrategy, ...perNode } = options;
  const cluster = new Cluster(target.nodes, {
    redisOptions: { ...target.options, ...perNode },
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(retryStrategy === undefined ? {} : { clusterRetryStrategy: retryStrategy }),
    // A failover (a replica taking over a dead master) takes seconds: wait for it, briefly.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
  });
  return cluster as unknown as Redis;
}

/** True for a client of a Redis Cluster (see `connectRedis`). */
export function isCluster(redis: Redis): boolean {
  return (redis as unknown as Cluster).isCluster === true;
}

/**
 * The options of an app's own command connection (request handlers, the stream consumers'
 * acknowledgements, the delivery log). BullMQ's blocking connections are not these: they wait
 * for Redis without limit.
 * - No offline queue: while the connection is down a command fails at once (the api answers
 *   503), instead of waiting for ioredis' 20 reconnect attempts (about 10 s) and failing then.
 * - One retry per request: a command in flight when the connection drops is resent once the
 *   connection is back (every script we write is idempotent for that: it carries a token and
 *   answers a resend as it answered the first run), or fails after one reconnect attempt.
 * - Auto-pipelining: the commands issued within one turn of the event loop (by many requests,
 *   or many deliveries, at once) go to Redis in one write and come back in one read. End to
 *   end (scenario b) it cut Redis' CPU per event by 40 % and the apps' by 15 %
 *   (docs/performance.md). Order per connection is kept, and each command still fails alone.
 */
export const COMMAND_CONNECTION: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true };

/** Options of a connection that blocks (stream reads, BullMQ): it waits for Redis without limit. */
export const BLOCKING_CONNECTION: RedisOptions = { maxRetriesPerRequest: null };

/** Resolves once `client` is ready, so the first commands do not meet a connection still opening. */
export function untilReady(client: Redis, timeoutMs = 10_000): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`Redis did not become ready within ${timeoutMs} ms`)), timeoutMs);
    const onReady = () => done();
    const done = (err?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      if (err) reject(err);
      else resolve();
    };
    client.on('ready', onReady);
  });
}

export class RedisUnavailableError extends Error {
  constructor(url: string, cause: string) {
    super(
      `Cannot reach Redis at ${url} (${cause}): start one with "redis-server" ` +
        `(or "docker compose up -d redis"), or point REDIS_URL at a running Redis 7.`,
    );
    this.name = 'RedisUnavailableError';
  }
}

/** How long the start-up check waits between two tries. */
const RECHECK_MS = 250;

/**
 * Fails fast, with one sentence saying how to fix it, when Redis is not there at start-up. A
 * connection that drops while it is checked (a restart, `CLIENT KILL`) is tried again until
 * `timeoutMs` has passed: only a Redis that stays away stops the process.
 */
export async function assertRedisReachable(url: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const cause = await pingOnce(url, Math.max(deadline - Date.now(), 100));
    if (cause === undefined) return;
    if (Date.now() + RECHECK_MS >= deadline) throw new RedisUnavailableError(url, cause);
    await new Promise((resolve) => setTimeout(resolve, RECHECK_MS));
  }
}

/** Connects and pings once: undefined when Redis answered, else why not. */
async function pingOnce(url: string, timeoutMs: number): Promise<string | undefined> {
  const client = connectRedis(url, {
    lazyConnect: true,
    // No timers of ioredis' own, which outlive a refused connect (the deadline below is the
    // timeout, and the probe's socket needs no graceful close).
    connectTimeout: 0,
    disconnectTimeout: 0,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let cause = '';
  client.on('error', (err: NodeJS.ErrnoException) => (cause ||= err.code ?? err.message));
  let timer: NodeJS.Timeout | undefined;
  try {
    // A cluster client retries its seed nodes by itself: the deadline is ours.
    const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), timeoutMs)));
    await Promise.race([client.connect().then(() => client.ping()), deadline]);
    return undefined;
  } catch (err) {
    return cause || (err as Error).message || String(err);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
