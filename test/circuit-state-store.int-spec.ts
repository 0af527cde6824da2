import Redis from 'ioredis';
import { CIRCUITS_KEPT, CIRCUITS_PUBLISH_MS, CircuitStateStore } from '@app/delivery';
import { AppConfig, connectRedis, redisKey } from '@app/platform';
import { dropKeys, testConfig } from './support/harness';

/** The dispatchers' circuits as the console reads them: masked, bounded, and a dead replica's dropped. */
describe('circuit state store', () => {
  let config: AppConfig;
  let redis: Redis;
  let store: CircuitStateStore;

  beforeAll(() => {
    config = testConfig();
    redis = connectRedis(config.redisUrl);
    store = new CircuitStateStore(redis, config);
  });

  afterAll(async () => {
    await dropKeys(config);
    redis.disconnect();
  });

  const circuit = (endpoint: string, since: number) => ({ endpoint, scope: 'endpoint' as const, state: 'open' as const, since });

  it("keeps each replica's circuits masked, the longest open first, until it has none", async () => {
    const now = 1_000_000;
    await store.publish('a', [circuit('https://hooks.example/x?token=abc', now - 10)], now);
    await store.publish('b', [circuit('https://other.example/y', now - 20)], now);
    expect(await store.all(now)).toEqual([
      { ...circuit('https://other.example/y', now - 20), replica: 'b' },
      { ...circuit('https://hooks.example/x?token=***', now - 10), replica: 'a' },
    ]);
    await store.publish('b', [], now);
    expect((await store.all(now)).map((c) => c.replica)).toEqual(['a']);
    await store.publish('a', [], now);
    expect(await store.all(now)).toEqual([]);
  });

  it('drops what a replica that stopped telling left behind, and keeps at most CIRCUITS_KEPT per replica', async () => {
    const now = 2_000_000;
    await store.publish('dead', [circuit('http://a.example/', now)], now - 10 * CIRCUITS_PUBLISH_MS);
    const many = Array.from({ length: CIRCUITS_KEPT + 10 }, (_, i) => circuit(`http://h${i}.example/`, now - i));
    await store.publish('busy', many, now);
    const shown = await store.all(now);
    expect(shown).toHaveLength(CIRCUITS_KEPT);
    expect(shown.every((c) => c.replica === 'busy')).toBe(true);
    // The longest open are the ones kept.
    expect(shown[0].endpoint).toBe(`http://h${CIRCUITS_KEPT + 9}.example/`);
    // The stale entry is gone from Redis, not only from the answer.
    expect(await redis.hkeys(redisKey(config, 'circuits'))).toEqual(['busy']);
  });
});
