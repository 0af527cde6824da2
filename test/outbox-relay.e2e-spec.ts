import { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { AppConfig, QUEUE, redisOptionsFromUrl } from '@app/platform';
import { OutboxRelay } from '../apps/api/src/outbox/outbox-relay.service';
import { StateStore } from '../apps/api/src/state-store/state-store.service';
import { TransferProcess } from '../apps/api/src/transfer-processes/transfer-process';
import { transferProcessEvent } from '../apps/api/src/transfer-processes/transfer-process.events';
import { dropKeys, openQueue, startApi, testConfig, waitUntil } from './support/harness';

const transfer = (id: string): TransferProcess => ({
  id,
  type: 'CONSUMER',
  state: 'INITIAL',
  stateTimestamp: Date.now(),
  createdAt: Date.now(),
  version: 1,
  eventSequence: 1,
  counterPartyAddress: 'http://provider.example/dsp',
  protocol: 'dataspace-protocol-http',
  contractId: 'c',
  transferType: 'HttpData-PULL',
  callbackAddresses: [],
});

describe('the transactional outbox', () => {
  let config: AppConfig;
  let redis: Redis;
  let events: Queue;
  let api: INestApplication | undefined;

  beforeAll(() => {
    config = testConfig({ COUNTERPARTY_MODE: 'manual', OUTBOX_POLL_MS: '60000' });
    redis = new Redis(redisOptionsFromUrl(config.redisUrl));
    events = openQueue(config, QUEUE.events);
  });

  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  afterAll(async () => {
    await events.close();
    redis.disconnect();
    await dropKeys(config);
  });

  it('keeps an event committed by an api that died before relaying it, and the next api relays it once', async () => {
    // An api that commits and dies before its relay runs: the store's write, and nothing else.
    const store = new StateStore(redis, config);
    const entry = transferProcessEvent(transfer('crashed-before-relay'));
    expect(await store.create('transferprocess', transfer('crashed-before-relay'), entry)).toBe(true);
    expect(await redis.llen(store.outboxKey)).toBe(1);
    expect(await events.getJob(entry.job.envelope.id)).toBeUndefined();

    api = await startApi(config);
    await waitUntil(async () => (await redis.llen(store.outboxKey)) === 0, 10_000, 'the outbox to drain');
    const job = await events.getJob(entry.job.envelope.id);
    expect(job?.data).toEqual(entry.job);
  });

  it('adds nothing twice when an entry is relayed again (crash after add, before removal) or by two relays at once', async () => {
    api = await startApi(config);
    const store = api.get(StateStore);
    const relay = api.get(OutboxRelay);
    const before = await events.getJobCounts();
    const total = () => Object.values(before).reduce((a, b) => a + b, 0);

    const entries = Array.from({ length: 50 }, (_, i) => transferProcessEvent(transfer(`twice-${i}`)));
    for (const [i, entry] of entries.entries()) await store.create('transferprocess', transfer(`twice-${i}`), entry);
    await Promise.all([relay.drain(), relay.drain(), relay.drain()]);
    // The same entries again, as a relay that died between adding and removing would leave them.
    await redis.rpush(store.outboxKey, ...entries.map((e) => JSON.stringify(e)));
    await relay.drain();

    expect(await redis.llen(store.outboxKey)).toBe(0);
    const after = await events.getJobCounts();
    expect(Object.values(after).reduce((a, b) => a + b, 0) - total()).toBe(50);
    for (const entry of entries) expect(await events.getJob(entry.job.envelope.id)).toBeDefined();
  });
});
