import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import request from 'supertest';
import { AppConfig, connectRedis, partitionKey, redisKey } from '@app/platform';
import { EqualityIndexMigration, REFOLD_WINDOW_MS } from '../apps/api/src/state-store/equality-index-migration';
import { StateIndex } from '../apps/api/src/state-store/state-index';
import { StateStore } from '../apps/api/src/state-store/state-store.service';
import { TransferProcess } from '../apps/api/src/transfer-processes/transfer-process';
import { transferProcessEvent } from '../apps/api/src/transfer-processes/transfer-process.events';
import { API_KEY, dropKeys, startApi, testConfig } from './support/harness';
import { partitionsOf } from './support/redis-keys';
import { storedTransfer } from './support/stored-transfer';

const TP_QUERY = '/management/v3/transferprocesses/request';
const TRANSFER_FIELDS = ['type', 'contractId', 'assetId', 'counterPartyAddress', 'protocol', 'transferType'] as const;

/**
 * Issue 26, the Redis bar: the equality indexes of the fields that never change are one
 * lex-ordered sorted set per partition (equality-members.ts), so a create writes them with one
 * ZADD; and what the previous release stored (a sorted set per value) is moved there at boot.
 */
describe('the folded equality indexes', () => {
  describe('a create', () => {
    let config: AppConfig;
    let redis: Redis;
    let monitored: Redis;
    let monitor: Redis;
    let store: StateStore;

    beforeAll(async () => {
      config = testConfig({ COUNTERPARTY_MODE: 'manual', REDIS_PARTITIONS: '1' });
      redis = connectRedis(config.redisUrl);
      store = new StateStore(redis, partitionsOf(config), config);
      // monitor() opens a connection of its own, in MONITOR mode.
      monitored = connectRedis(config.redisUrl);
      monitor = await monitored.monitor();
    });

    afterAll(async () => {
      monitor.disconnect();
      monitored.disconnect();
      redis.disconnect();
      await dropKeys(config);
    });

    const create = async (tp: TransferProcess) =>
      expect(await store.create('transferprocess', tp, transferProcessEvent(tp, {}, store.newEventId(tp.id)))).toBe(true);

    it('runs 8 Redis commands: EVALSHA, EXISTS, HSET, the two time indexes, the state index, one ZADD of every other field, XADD', async () => {
      // The first create loads the script (EVALSHA refused, then EVAL): not what a create costs.
      await create(storedTransfer());
      // Counted by the server (MONITOR), which sees the script's own commands too: those that
      // name this transfer (each does, in a key or an argument), since other creates' and other
      // files' commands share the feed, and it may lag behind the replies.
      const tp = storedTransfer();
      const seen: string[] = [];
      const onCommand = (_time: string, args: string[]) => {
        if (args.some((a) => a.includes(tp.id))) seen.push(args[0].toUpperCase());
      };
      monitor.on('monitor', onCommand);
      await create(tp);
      await until(() => seen.includes('XADD'));
      monitor.off('monitor', onCommand);
      expect(seen).toEqual(['EVALSHA', 'EXISTS', 'HSET', 'ZADD', 'ZADD', 'ZADD', 'ZADD', 'XADD']);
    });
  });

  describe('values that start alike', () => {
    let config: AppConfig;
    let api: INestApplication;

    beforeAll(async () => {
      config = testConfig({ COUNTERPARTY_MODE: 'manual', REDIS_PARTITIONS: '2' });
      api = await startApi(config);
    });

    afterAll(async () => {
      await api?.close();
      if (config) await dropKeys(config);
    });

    it('finds each value’s transfers and no other’s, in creation order', async () => {
      const store = api.get(StateStore);
      // Each a prefix of another, or holding the separator (\0) or a character of several bytes.
      const values = ['c', 'c:1', 'c1', 'c\u0000', 'c\u00001', 'c\u00002\u0000x', 'é', 'éé', ''];
      const made = new Map<string, string[]>(values.map((v) => [v, []]));
      let at = 1_700_000_000_000;
      for (let round = 0; round < 3; round++)
        for (const value of values) {
          const tp = storedTransfer({ contractId: value, createdAt: at, stateTimestamp: at });
          at += round === 1 ? 0 : 7; // a round of equal createdAt: ties go by id
          await store.create('transferprocess', tp, transferProcessEvent(tp, {}, store.newEventId(tp.id)));
          made.get(value)!.push(tp.id);
        }
      for (const value of values) {
        const found = await query(api, {
          filterExpression: [{ operandLeft: 'contractId', operator: '=', operandRight: value }],
          limit: 100,
        });
        expect(found.map((t) => t.contractId)).toEqual([value, value, value]);
        expect(found.map((t) => t['@id']).sort()).toEqual([...made.get(value)!].sort());
      }
      const both = await query(api, {
        filterExpression: [
          { operandLeft: 'contractId', operator: 'in', operandRight: ['c', 'c\u0000'] },
          { operandLeft: 'protocol', operator: '=', operandRight: 'dataspace-protocol-http' },
        ],
        limit: 100,
      });
      expect(both.map((t) => t['@id']).sort()).toEqual([...made.get('c')!, ...made.get('c\u0000')!].sort());
    });
  });

  describe('intersections', () => {
    let config: AppConfig;
    let api: INestApplication;
    const made: TransferProcess[] = [];

    beforeAll(async () => {
      config = testConfig({ COUNTERPARTY_MODE: 'manual', REDIS_PARTITIONS: '2' });
      api = await startApi(config);
      const store = api.get(StateStore);
      // More than the script reads in one chunk (1,000) in each partition, some createdAt shared.
      for (let i = 0; i < 2600; i++)
        made.push(
          storedTransfer({
            createdAt: 1_650_000_000_000 + Math.floor(i / 3),
            state: i % 3 === 0 ? 'TERMINATED' : 'INITIAL',
            protocol: i % 7 === 0 ? 'dataspace-protocol-http:2025-1' : 'dataspace-protocol-http',
          }),
        );
      for (let i = 0; i < made.length; i += 250)
        await Promise.all(
          made.slice(i, i + 250).map((tp) => store.create('transferprocess', tp, transferProcessEvent(tp, {}, store.newEventId(tp.id)))),
        );
    });

    afterAll(async () => {
      await api?.close();
      if (config) await dropKeys(config);
    });

    const inOrder = (keep: (tp: TransferProcess) => boolean, descending: boolean) => {
      const ids = made
        .filter(keep)
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
        .map((tp) => tp.id);
      return descending ? ids.reverse() : ids;
    };

    it.each([
      ['ASC', 0, 50],
      ['DESC', 0, 50],
      ['ASC', 1190, 30],
      ['DESC', 2000, 100],
      ['ASC', 0, 5000],
    ] as const)('pages a large intersection %s from %i, %i at a time, cutting it in the script', async (order, offset, limit) => {
      const filterExpression = [
        { operandLeft: 'type', operator: '=', operandRight: 'CONSUMER' },
        { operandLeft: 'protocol', operator: '=', operandRight: 'dataspace-protocol-http' },
        { operandLeft: 'counterPartyAddress', operator: '=', operandRight: 'http://provider.example/api/dsp' },
      ];
      const found = await query(api, { filterExpression, sortOrder: order, offset, limit });
      const want = inOrder((tp) => tp.protocol === 'dataspace-protocol-http', order === 'DESC').slice(offset, offset + limit);
      expect(found.map((t) => t['@id'])).toEqual(want);
    });

    it('intersects a state with a folded index, DESC', async () => {
      const filterExpression = [
        { operandLeft: 'state', operator: '=', operandRight: 'TERMINATED' },
        { operandLeft: 'protocol', operator: '=', operandRight: 'dataspace-protocol-http:2025-1' },
      ];
      const found = await query(api, { filterExpression, sortOrder: 'DESC', offset: 3, limit: 40 });
      const want = inOrder((tp) => tp.state === 'TERMINATED' && tp.protocol === 'dataspace-protocol-http:2025-1', true).slice(3, 43);
      expect(found.map((t) => t['@id'])).toEqual(want);
    });
  });

  describe('stored by the previous release', () => {
    let config: AppConfig;
    let redis: Redis;
    let apis: INestApplication[] = [];
    const old: TransferProcess[] = [];
    const negotiationIds: string[] = [];

    /** Writes a transfer as the previous release did: its hash and a sorted set per index value. */
    const writeOldTransfer = async (tp: TransferProcess) => {
      const p = partitionsOf(config).of(tp.id);
      const index = (...parts: string[]) => partitionKey(p, 'transferprocess-index', ...parts);
      await redis
        .multi()
        .hset(partitionKey(p, 'transferprocess', tp.id), 'json', JSON.stringify(tp), 'version', tp.version, 'ops', 'old')
        .zadd(index('createdAt'), tp.createdAt, tp.id)
        .zadd(index('stateTimestamp'), tp.stateTimestamp, tp.id)
        .zadd(index('state', tp.state), tp.createdAt, tp.id)
        .exec();
      for (const field of TRANSFER_FIELDS) await redis.zadd(index(field, String(tp[field])), tp.createdAt, tp.id);
    };

    beforeAll(async () => {
      config = testConfig({ COUNTERPARTY_MODE: 'manual' });
      redis = connectRedis(config.redisUrl);
      const base = 1_600_000_000_000;
      for (let i = 0; i < 60; i++) {
        const tp = storedTransfer({
          createdAt: base + i,
          stateTimestamp: base + i,
          state: i % 4 === 0 ? 'TERMINATED' : 'INITIAL',
          contractId: `contract:${i % 3}`,
          assetId: `asset-${i % 5}`,
          protocol: i % 2 === 0 ? 'dataspace-protocol-http' : 'dataspace-protocol-http:2025-1',
        });
        old.push(tp);
        await writeOldTransfer(tp);
      }
      // Negotiations too, with their nested field.
      for (let i = 0; i < 3; i++) {
        const id = randomUUID();
        negotiationIds.push(id);
        const p = partitionsOf(config).of(id);
        await redis.zadd(partitionKey(p, 'contractnegotiation-index', 'offer.assetId', 'asset-x'), base + i, id);
      }
      // Two replicas booting at once: both fold, neither twice.
      apis = await Promise.all([startApi(config), startApi(config, { agreement: false })]);
    });

    afterAll(async () => {
      await Promise.all(apis.map((a) => a.close()));
      redis.disconnect();
      await dropKeys(config);
    });

    const expected = (keep: (tp: TransferProcess) => boolean) => old.filter(keep).map((tp) => tp.id);

    it('answers queries by value from what the boot moved into the folded index', async () => {
      const ids = async (spec: object) => (await query(apis[0], spec)).map((t) => t['@id']);
      expect(
        await ids({ filterExpression: [{ operandLeft: 'contractId', operator: '=', operandRight: 'contract:1' }], limit: 100 }),
      ).toEqual(expected((tp) => tp.contractId === 'contract:1'));
      expect(
        await ids({
          filterExpression: [
            { operandLeft: 'assetId', operator: '=', operandRight: 'asset-2' },
            { operandLeft: 'protocol', operator: '=', operandRight: 'dataspace-protocol-http' },
          ],
          limit: 100,
        }),
      ).toEqual(expected((tp) => tp.assetId === 'asset-2' && tp.protocol === 'dataspace-protocol-http'));
      expect(
        await ids({
          filterExpression: [
            { operandLeft: 'state', operator: '=', operandRight: 'TERMINATED' },
            { operandLeft: 'contractId', operator: '=', operandRight: 'contract:0' },
          ],
          limit: 100,
        }),
      ).toEqual(expected((tp) => tp.state === 'TERMINATED' && tp.contractId === 'contract:0'));
      expect(
        await ids({
          filterExpression: [{ operandLeft: 'assetId', operator: 'in', operandRight: ['asset-1', 'asset-3'] }],
          sortOrder: 'DESC',
          offset: 2,
          limit: 5,
        }),
      ).toEqual(
        expected((tp) => tp.assetId === 'asset-1' || tp.assetId === 'asset-3')
          .reverse()
          .slice(2, 7),
      );
      const index = apis[0].get(StateIndex);
      const negotiations = await Promise.all(
        partitionsOf(config).all.map((p) =>
          index.inRange(p, 'contractnegotiation', { field: 'offer.assetId', value: 'asset-x' }, { min: '-inf', max: '+inf' }),
        ),
      );
      expect(
        negotiations
          .flat()
          .map((s) => s.id)
          .sort(),
      ).toEqual([...negotiationIds].sort());
    });

    it('leaves no set per value of a folded field, keeps the state sets, and records that it is done', async () => {
      const keys = await allKeys(redis, `{${config.redisPrefix}-*`);
      expect(keys.filter((k) => TRANSFER_FIELDS.some((f) => k.includes(`-index:${f}:`)) || k.includes('offer.assetId'))).toEqual([]);
      expect(keys.filter((k) => k.includes('transferprocess-index:state:')).length).toBeGreaterThan(0);
      expect(await redis.zcard(partitionKey(partitionsOf(config).of(old[0].id), 'transferprocess-index', 'by-value'))).toBeGreaterThan(0);
      expect(await redis.get(redisKey(config, 'equality-indexes-folded'))).not.toBeNull();
      // Every id once per field, though two replicas folded at once.
      let members = 0;
      for (const p of partitionsOf(config).all) members += await redis.zcard(partitionKey(p, 'transferprocess-index', 'by-value'));
      expect(members).toBe(old.length * TRANSFER_FIELDS.length);
    });

    it('folds what the previous release writes after the first fold (a rolling upgrade), until an hour after it, moving each id once', async () => {
      const migration = apis[0].get(EqualityIndexMigration);
      const marker = redisKey(config, 'equality-indexes-folded');
      const firstDone = Date.parse((await redis.get(marker))!);
      expect(await migration.run()).toBe(0);
      const late = storedTransfer({ contractId: 'contract:late' });
      await writeOldTransfer(late);
      expect(await migration.run()).toBe(TRANSFER_FIELDS.length);
      expect(await migration.run()).toBe(0);
      // The window runs from the first fold: a later pass does not move the marker.
      expect(Date.parse((await redis.get(marker))!)).toBe(firstDone);
      const found = await query(apis[1], {
        filterExpression: [{ operandLeft: 'contractId', operator: '=', operandRight: 'contract:late' }],
      });
      expect(found.map((t) => t['@id'])).toEqual([late.id]);

      // An hour after the first fold nothing is scanned any more.
      const later = storedTransfer({ contractId: 'contract:after-the-window' });
      await writeOldTransfer(later);
      expect(await migration.run(firstDone + REFOLD_WINDOW_MS + 1)).toBeNull();
      expect(await migration.run(firstDone + REFOLD_WINDOW_MS)).toBe(TRANSFER_FIELDS.length);
    });

    it('forgets a deleted object in the folded index (and in a set of the previous release not yet folded)', async () => {
      const store = apis[0].get(StateStore);
      const gone = old[old.length - 1];
      const notFolded = storedTransfer({ contractId: 'contract:gone' });
      await writeOldTransfer(notFolded);
      expect(await store.delete('transferprocess', gone)).not.toBeNull();
      expect(await store.delete('transferprocess', notFolded)).not.toBeNull();
      const keys = await allKeys(redis, `{${config.redisPrefix}-*`);
      expect(keys.filter((k) => k.includes('contract:gone'))).toEqual([]);
      let members = 0;
      for (const p of partitionsOf(config).all)
        members += (await redis.zrange(partitionKey(p, 'transferprocess-index', 'by-value'), 0, -1)).filter((m) =>
          m.endsWith(gone.id),
        ).length;
      expect(members).toBe(0);
      const found = await query(apis[0], {
        filterExpression: [{ operandLeft: 'contractId', operator: '=', operandRight: gone.contractId }],
        limit: 100,
      });
      expect(found.map((t) => t['@id'])).toEqual(expected((tp) => tp.contractId === gone.contractId && tp.id !== gone.id));
    });
  });
});

async function query(api: INestApplication, spec: object): Promise<{ '@id': string; contractId: string }[]> {
  const res = await request(api.getHttpServer()).post(TP_QUERY).set('x-api-key', API_KEY).send(spec);
  if (res.status !== 200) throw new Error(`expected 200 for ${JSON.stringify(spec)}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { '@id': string; contractId: string }[];
}

async function allKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern.replace(/\{/g, '\\{'), 'COUNT', 1000);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
}
