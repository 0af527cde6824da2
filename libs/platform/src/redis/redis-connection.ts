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
