import Redis, { Cluster } from 'ioredis';
import { REDIS } from '@app/platform';
import { StateStore } from '../../apps/api/src/state-store/state-store.service';
import { transferProcessEvent } from '../../apps/api/src/transfer-processes/transfer-process.events';
import { Stack, startStack, waitUntil } from '../support/harness';
import { storedTransfer } from '../support/stored-transfer';

/**
 * Issue 13: on a 3-master Redis Cluster (`npm run test:cluster`), 1,500 events with their
 * objects, indexes, stream entries and delivery log spread the product's keys over the
 * masters evenly: each holds its share within ±25%.
 */
const EVENTS = 1_500;
const BATCH = 250;

describe('keys spread over the masters of a Redis Cluster', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(() => ({ COUNTERPARTY_MODE: 'manual', LOG_LEVEL: 'error' }));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it(`holds each master's share of the keys within ±25% after ${EVENTS.toLocaleString('en-US')} events`, async () => {
    const { api, receiver, config } = stack;
    const store = api.get(StateStore);
    const callbackAddresses = [{ uri: `${receiver.url}/spread`, events: ['transfer.process'], transactional: false }];
    for (let i = 0; i < EVENTS; i += BATCH) {
      const batch = Array.from({ length: BATCH }, () => storedTransfer({ callbackAddresses }));
      const created = await Promise.all(
        batch.map((tp) => store.create('transferprocess', tp, transferProcessEvent(tp, {}, store.newEventId(tp.id)))),
      );
      expect(created.every(Boolean)).toBe(true);
    }
    await waitUntil(
      () => receiver.callsTo('/spread').length >= EVENTS,
      200_000,
      () => `every event delivered (${receiver.callsTo('/spread').length} of ${EVENTS})`,
    );

    const cluster = api.get<Redis>(REDIS) as unknown as Cluster;
    const pattern = `{${config.redisPrefix}[-}]*`.replace(/\{/g, '\\{');
    const perMaster: { node: string; keys: number; dbsize: number }[] = [];
    for (const node of cluster.nodes('master')) {
      let keys = 0;
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
        cursor = next;
        keys += found.length;
      } while (cursor !== '0');
      perMaster.push({ node: `${node.options.host}:${node.options.port}`, keys, dbsize: await node.dbsize() });
    }
    const mean = perMaster.reduce((sum, m) => sum + m.keys, 0) / perMaster.length;
    console.log(
      [`Keys of ${config.redisPrefix} per master after ${EVENTS} events (DBSIZE counts every test's keys):`]
        .concat(
          perMaster.map(
            (m) => `  ${m.node}: ${m.keys} keys (${((m.keys / mean - 1) * 100).toFixed(1)}% from the mean), DBSIZE ${m.dbsize}`,
          ),
        )
        .join('\n'),
    );
    expect(perMaster).toHaveLength(3);
    for (const m of perMaster) expect(Math.abs(m.keys / mean - 1)).toBeLessThanOrEqual(0.25);
    // 1,500 deliveries take a while on a busy 2-core machine (the failover spec runs beside it).
  }, 240_000);
});
