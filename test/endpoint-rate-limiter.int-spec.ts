import Redis from 'ioredis';
import { EndpointRateLimiter } from '@app/delivery';
import { AppConfig, connectRedis, Partitions } from '@app/platform';
import { dropKeys, testConfig } from './support/harness';

/** The limiter's bucket, by counts at chosen instants (the script takes the time it is given). */
describe('endpoint rate limiter (GCRA)', () => {
  let config: AppConfig;
  let redis: Redis;
  let limiter: EndpointRateLimiter;

  beforeAll(() => {
    config = testConfig();
    redis = connectRedis(config.redisUrl);
    limiter = new EndpointRateLimiter(redis, new Partitions(config.redisPrefix, config.redisPartitions));
  });

  afterAll(async () => {
    await dropKeys(config);
    redis.disconnect();
  });

  const allowedOf = async (id: string, rate: number, at: number, tries: number) => {
    let allowed = 0;
    let wait = 0;
    for (let i = 0; i < tries; i++) {
      const w = await limiter.waitMs(id, rate, at);
      if (w === 0) allowed++;
      else wait = w;
    }
    return { allowed, wait };
  };

  it("lets a burst of one second's worth go, then one per 1/rate s, whoever asks", async () => {
    const t = 1_000_000;
    expect(await allowedOf('a', 10, t, 25)).toEqual({ allowed: 10, wait: 100 });
    // 100 ms later exactly one more; after a whole second, the bucket is full again.
    expect((await allowedOf('a', 10, t + 100, 5)).allowed).toBe(1);
    expect((await allowedOf('a', 10, t + 1100, 25)).allowed).toBe(10);
    // Each endpoint has its own bucket.
    expect((await allowedOf('b', 3, t, 10)).allowed).toBe(3);
  });

  it('allows at most rate x (seconds + 1) over any stretch of time', async () => {
    const t = 5_000_000;
    let allowed = 0;
    for (let ms = 0; ms <= 3000; ms += 10) allowed += (await allowedOf('c', 20, t + ms, 2)).allowed;
    expect(allowed).toBe(20 + 3 * 20);
  });
});
