import { AppConfig, connectRedis, eventStreamKey, isCluster, partitionKey, Partitions } from '@app/platform';
import Redis from 'ioredis';

/**
 * Removes every key of the configuration's prefix (its global tag `{<prefix>}` and its
 * partitions' tags `{<prefix>-p..}`), on every master of a cluster; returns how many.
 */
export async function dropKeys(config: Pick<AppConfig, 'redisUrl' | 'redisPrefix'>): Promise<number> {
  const redis = connectRedis(config.redisUrl);
  let dropped = 0;
  try {
    // Braces are literal in MATCH only when escaped.
    const pattern = `{${config.redisPrefix}[-}]*`.replace(/\{/g, '\\{');
    const nodes: Redis[] = isCluster(redis) ? (redis as unknown as { nodes(role: string): Redis[] }).nodes('master') : [redis];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
        cursor = next;
        // One key per DEL (keys of different slots cannot share a command), pipelined.
        const pipeline = node.pipeline();
        for (const key of keys) pipeline.del(key);
        for (const [, n] of (await pipeline.exec()) ?? []) dropped += Number(n);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
  return dropped;
}

/** The configuration's partitions, as the apps compute them. */
export function partitionsOf(config: Pick<AppConfig, 'redisPrefix' | 'redisPartitions'>): Partitions {
  return new Partitions(config.redisPrefix, config.redisPartitions);
}

/** A key of the partition that `ownerId` (an object, event or delivery's event id) leads to. */
export function keyOf(config: Pick<AppConfig, 'redisPrefix' | 'redisPartitions'>, ownerId: string, ...parts: string[]): string {
  return partitionKey(partitionsOf(config).of(ownerId), ...parts);
}

/** The event stream of the partition of `ownerId`. */
export function streamOf(config: Pick<AppConfig, 'redisPrefix' | 'redisPartitions'>, ownerId: string): string {
  return eventStreamKey(partitionsOf(config).of(ownerId));
}

/** Every partition's event stream. */
export function allStreams(config: Pick<AppConfig, 'redisPrefix' | 'redisPartitions'>): string[] {
  return partitionsOf(config).all.map(eventStreamKey);
}
