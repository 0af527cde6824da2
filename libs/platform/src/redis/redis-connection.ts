import Redis, { RedisOptions } from 'ioredis';

/** ioredis options from a `redis://` or `rediss://` URL (BullMQ takes options, not URLs). */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * The options of an app's own command connection (request handlers, the relay, the delivery
 * log). BullMQ's blocking connections are not these: they wait for Redis without limit.
 * - No offline queue: while the connection is down a command fails at once (the api answers
 *   503), instead of waiting for ioredis' 20 reconnect attempts (about 10 s) and failing then.
 * - One retry per request: a command in flight when the connection drops is resent once the
 *   connection is back (every script we write is idempotent for that: it carries a token and
 *   answers a resend as it answered the first run), or fails after one reconnect attempt.
 */
export function commandConnectionOptions(url: string): RedisOptions {
  return { ...redisOptionsFromUrl(url), enableOfflineQueue: false, maxRetriesPerRequest: 1 };
}

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

/** Fails fast, with one sentence saying how to fix it, when Redis is not there at start-up. */
export async function assertRedisReachable(url: string, timeoutMs = 3000): Promise<void> {
  const client = new Redis({
    ...redisOptionsFromUrl(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let cause = '';
  client.on('error', (err: NodeJS.ErrnoException) => (cause ||= err.code ?? err.message));
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new RedisUnavailableError(url, cause || (err as Error).message || String(err));
  } finally {
    client.disconnect();
  }
}
