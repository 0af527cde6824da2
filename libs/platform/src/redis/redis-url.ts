import { RedisOptions } from 'ioredis';

/** Where Redis is, from `REDIS_URL`: one server, or the seed nodes of a Redis Cluster. */
export type RedisTarget =
  { cluster: false; options: RedisOptions } | { cluster: true; nodes: { host: string; port: number }[]; options: RedisOptions };

const CLUSTER_SCHEMES = ['redis+cluster:', 'rediss+cluster:'];

/**
 * Reads `REDIS_URL`:
 * - `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS): one Redis;
 * - `redis+cluster://[user:password@]host:port[,host:port...]` (or `rediss+cluster://`): a
 *   Redis Cluster, given by any of its nodes (the client learns the others from them).
 * Throws with a readable reason when the URL is neither.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const scheme = url.slice(0, url.indexOf('//')).toLowerCase();
  if (CLUSTER_SCHEMES.includes(scheme)) return parseClusterUrl(url, scheme);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`must be a redis://, rediss:// or redis+cluster:// URL, got "${url}"`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new Error(`must be a redis://, rediss:// or redis+cluster:// URL, got "${url}"`);
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new Error(`names database "${db}", which is not a number`);
  return {
    cluster: false,
    options: {
      host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
      port: parsed.port ? Number(parsed.port) : 6379,
      ...credentials(parsed.username, parsed.password),
      ...(db ? { db: Number(db) } : {}),
      ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  };
}

function parseClusterUrl(url: string, scheme: string): RedisTarget {
  const rest = url.slice(scheme.length + 2);
  const at = rest.lastIndexOf('@');
  const [user, password] = at < 0 ? ['', ''] : splitOnce(rest.slice(0, at), ':');
  const hosts = (at < 0 ? rest : rest.slice(at + 1)).replace(/\/+$/, '');
  if (hosts.includes('/')) throw new Error('a Redis Cluster has no databases: leave the path out of a redis+cluster:// URL');
  const nodes = hosts.split(',').map((node) => {
    const match = /^(\[[^\]]+\]|[^:,\s]+):(\d{1,5})$/.exec(node.trim());
    if (!match) throw new Error(`names node "${node}"; list the cluster's nodes as host:port,host:port`);
    return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) };
  });
  return {
    cluster: true,
    nodes,
    options: { ...credentials(user, password), ...(scheme === 'rediss+cluster:' ? { tls: {} } : {}) },
  };
}

function credentials(user: string, password: string): RedisOptions {
  return { ...(user ? { username: decodeURIComponent(user) } : {}), ...(password ? { password: decodeURIComponent(password) } : {}) };
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}
