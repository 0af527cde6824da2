/**
 * What registered endpoints add to the dispatcher's hot path, against static ones
 * (docs/performance.md, "Registered endpoints"). Per event the dispatcher computes the endpoints
 * it matches; per attempt it looks up the endpoint's settings. With 1, 100 and 10,000 endpoints
 * of which one matches the event, it times:
 *   - matching one event: static callbacks are filtered per event; registered ones are read
 *     from the registry's index by event type, built when they change;
 *   - the settings lookup of one attempt (a Map read; the rate limiter is not asked: unlimited);
 *   - a replica applying one change (the poll that reads it and rebuilds the index).
 * Endpoints are written to a real Redis through EndpointStore, read by a real EndpointRegistry.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx ts-node --transpile-only -r tsconfig-paths/register bench/registered-endpoints.bench.ts
 */
import { randomBytes } from 'node:crypto';
import { DeliveryEndpoint, EndpointDefinition, EndpointRegistry, EndpointStore, matchingEndpoints } from '../libs/delivery/src';
import { connectRedis, loadConfig, Partitions, StaticCallback } from '../libs/platform/src';

const SIZES = [1, 100, 10_000];
const EVENTS = Number(process.env.EVENTS ?? 200_000);

function timePerCall(calls: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(calls, 10_000); i++) fn(); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn();
  return Number(process.hrtime.bigint() - started) / calls;
}

// One endpoint matches the event; the others listen to negotiations.
const eventsOf = (i: number) => (i === 0 ? ['transfer.process.started'] : ['contract.negotiation']);

async function main(): Promise<void> {
  const prefix = `bench-${randomBytes(3).toString('hex')}`;
  const config = loadConfig({ ...process.env, REDIS_PREFIX: prefix, CALLBACK_ALLOWED_HOSTS: '127.0.0.1', LOG_LEVEL: 'silent' });
  const redis = connectRedis(config.redisUrl);
  const rows: string[] = [];
  try {
    const store = new EndpointStore(redis, config, new Partitions(config.redisPrefix, config.redisPartitions));
    const registry = new EndpointRegistry(store, config);
    await registry.refresh();
    const none = matchingEndpoints('TransferProcessStarted', [], [], false, registry.registeredFor('TransferProcessStarted'));
    const base = timePerCall(EVENTS, () =>
      matchingEndpoints('TransferProcessStarted', [], [], false, registry.registeredFor('TransferProcessStarted')),
    );
    rows.push(`| none | ${base.toFixed(0)} | ${none.length} | | |`);
    let written = 0;
    for (const size of SIZES) {
      const statics: StaticCallback[] = Array.from({ length: size }, (_, i) => ({
        id: `S${i}`,
        uri: `http://127.0.0.1:9/static/${i}`,
        events: eventsOf(i),
        transactional: false,
      }));
      const staticNs = timePerCall(EVENTS, () => matchingEndpoints('TransferProcessStarted', statics, [], false));

      for (; written < size; written++) {
        const now = Date.now();
        const definition: EndpointDefinition = {
          id: `R${written}`,
          uri: `http://127.0.0.1:9/registered/${written}`,
          events: eventsOf(written),
          createdAt: now,
          updatedAt: now,
        };
        await store.put(definition.id, null, definition);
      }
      await registry.refresh();
      const matched = () => matchingEndpoints('TransferProcessStarted', [], [], false, registry.registeredFor('TransferProcessStarted'));
      if (matched().length !== 1) throw new Error(`expected one match, got ${matched().length}`);
      const registeredNs = timePerCall(EVENTS, matched);
      const endpoint: DeliveryEndpoint = matched()[0];
      const lookupNs = timePerCall(EVENTS, () => {
        const settings = registry.settingsOf(endpoint);
        return typeof settings === 'object' && settings.rateLimit !== undefined;
      });
      // One change (a PUT of one endpoint), as a replica applies it.
      const { json, definition } = (await store.definition('R0'))!;
      await store.put('R0', json, { ...definition, description: 'changed', updatedAt: Date.now() });
      const started = process.hrtime.bigint();
      await registry.refresh();
      const applyMs = Number(process.hrtime.bigint() - started) / 1e6;
      rows.push(`| ${size} | ${staticNs.toFixed(0)} | ${registeredNs.toFixed(0)} | ${lookupNs.toFixed(0)} | ${applyMs.toFixed(1)} |`);
    }
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await Promise.all(keys.map((key) => redis.del(key)));
    } while (cursor !== '0');
    redis.disconnect();
  }
  console.log(`Matching one event (ns), one attempt's settings lookup (ns), a replica applying one change (ms); ${EVENTS} events each:`);
  console.log(
    '| endpoints (one matches) | static: match per event | registered: match per event | registered: settings per attempt | registered: apply one change |',
  );
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

void main();
