import Redis from 'ioredis';
import { DELETED, ENDPOINT_CHANGES_KEPT, EndpointDefinition, EndpointRegistry, EndpointStore } from '@app/delivery';
import { AppConfig, connectRedis, Partitions, redisKey } from '@app/platform';
import { dropKeys, testConfig } from './support/harness';

/**
 * The changes record of the endpoints stays bounded, and a replica that fell behind what it
 * keeps reads everything again rather than missing a change.
 */
describe('endpoint changes record: trimmed, and no change missed', () => {
  let config: AppConfig;
  let redis: Redis;
  let store: EndpointStore;

  beforeAll(() => {
    config = testConfig();
    redis = connectRedis(config.redisUrl);
    store = new EndpointStore(redis, config, new Partitions(config.redisPrefix, config.redisPartitions));
  });

  afterAll(async () => {
    await dropKeys(config);
    redis.disconnect();
  });

  const definition = (id: string): EndpointDefinition => ({
    id,
    uri: `http://127.0.0.1:9/${id}`,
    events: ['transfer.process'],
    createdAt: 1,
    updatedAt: 1,
  });
  const create = (id: string) => store.put(id, null, definition(id));
  // A replica's registry, polled by hand (no timer).
  const known = (registry: EndpointRegistry, id: string) => registry.settingsOf({ uri: '', registeredId: id }) !== DELETED;

  it('keeps the latest changes only; a replica behind them reloads and still sees an early delete', async () => {
    await create('kept');
    await create('gone');
    const behind = new EndpointRegistry(store, config);
    await behind.refresh();
    expect([known(behind, 'kept'), known(behind, 'gone')]).toEqual([true, true]);
    const seen = await store.version();

    // The delete is the oldest change of many: its entry is trimmed away.
    const gone = (await store.definition('gone'))!;
    expect(await store.put('gone', gone.json, null)).toBe(true);
    for (let i = 0; i < ENDPOINT_CHANGES_KEPT + 5; i++) await create(`e-${i}`);

    expect(await redis.zcard(redisKey(config, 'endpoints-changes'))).toBe(ENDPOINT_CHANGES_KEPT);
    expect(await store.changesSince(seen)).toEqual({ version: seen + ENDPOINT_CHANGES_KEPT + 6, reload: true });

    await behind.refresh();
    expect([known(behind, 'kept'), known(behind, 'gone'), known(behind, 'e-0'), known(behind, `e-${ENDPOINT_CHANGES_KEPT + 4}`)]).toEqual([
      true,
      false,
      true,
      true,
    ]);
  });

  it('gives a replica within the kept changes only what changed since its version', async () => {
    const version = await store.version();
    await create('late');
    const changes = await store.changesSince(version);
    expect(changes).toMatchObject({ version: version + 1, changed: [{ id: 'late', disabled: null }] });
    expect(changes.reload).toBeFalsy();
  });
});
