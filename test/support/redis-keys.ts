import Redis from 'ioredis';
import { AppConfig, bullPrefix, redisOptionsFromUrl } from '@app/platform';

/** Removes every key of the configuration's prefix; returns how many. */
export async function dropKeys(config: Pick<AppConfig, 'redisUrl' | 'redisPrefix'>): Promise<number> {
  const redis = new Redis(redisOptionsFromUrl(config.redisUrl));
  let dropped = 0;
  try {
    // The prefix is `{<prefix>}`; braces are literal in MATCH only when escaped.
    const pattern = `${bullPrefix(config)}*`.replace(/[{}]/g, '\\$&');
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
      cursor = next;
      for (let i = 0; i < keys.length; i += 1000) dropped += await redis.del(...keys.slice(i, i + 1000));
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return dropped;
}
