import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AppConfig } from '@app/platform';
import { StateStore } from '../apps/api/src/state-store/state-store.service';
import { TRANSFER_STATE_CODES, TransferProcess, TransferState } from '../apps/api/src/transfer-processes/transfer-process';
import { transferProcessEvent } from '../apps/api/src/transfer-processes/transfer-process.events';
import { API_KEY, dropKeys, startApi, testConfig } from './support/harness';

/**
 * EDC's QuerySpec on `POST /management/v3/transferprocesses/request`, checked against an
 * in-memory model of ~3,000 transfers written straight through the api's StateStore (so the
 * indexes are the product's own), plus one check on the negotiations' `request` route.
 */

const TP_QUERY = '/management/v3/transferprocesses/request';
const CN_PATH = '/management/v3/contractnegotiations';
const EDC = 'https://w3id.org/edc/v0.0.1/ns/';

const N = 3000;
const BASE = 1_700_000_000_000;
const STATES: TransferState[] = ['INITIAL', 'REQUESTED', 'STARTED', 'COMPLETED', 'TERMINATED'];
const ADDRESSES = ['http://provider-a.example/api/dsp', 'http://provider-b.example/api/dsp', 'http://provider-c.example/api/dsp'];
const PROTOCOLS = ['dataspace-protocol-http', 'dataspace-protocol-http:2025-1'];
const TRANSFER_TYPES = ['HttpData-PULL', 'HttpData-PUSH', 'AmazonS3-PUSH'];
const pad = (n: number) => String(n).padStart(2, '0');

/** A small deterministic PRNG (mulberry32), so the seeded data is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedModel(): TransferProcess[] {
  const random = prng(20240611);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)];
  return Array.from({ length: N }, (_, i) => ({
    id: randomUUID(),
    type: 'CONSUMER' as const,
    state: pick(STATES),
    createdAt: BASE + i,
    // A permutation of the creation order (7919 is prime, so i -> 7919 i mod N is one-to-one).
    stateTimestamp: BASE + 1_000_000 + ((i * 7919) % N),
    version: 1,
    eventSequence: 1,
    contractId: `contract-${pad(Math.floor(random() * 10))}`,
    assetId: `asset-${pad(Math.floor(random() * 30))}`,
    counterPartyAddress: pick(ADDRESSES),
    protocol: pick(PROTOCOLS),
    transferType: pick(TRANSFER_TYPES),
    dataDestination: { type: 'HttpProxy' },
    callbackAddresses: [],
  }));
}

interface TransferJson {
  '@type': string;
  '@id': string;
  state: string;
  createdAt: number;
  stateTimestamp: number;
  contractId: string;
  assetId: string;
  counterPartyAddress: string;
  protocol: string;
  transferType: string;
}

interface EdcErrorJson {
  message: string;
  type: string;
  path: string | null;
  invalidValue: unknown;
}

type Criterion = { operandLeft: string; operator: string; operandRight: unknown };
const crit = (operandLeft: string, operator: string, operandRight: unknown): Criterion => ({ operandLeft, operator, operandRight });

describe('QuerySpec on the Management API', () => {
  let config: AppConfig;
  let api: INestApplication;
  let model: TransferProcess[];

  beforeAll(async () => {
    config = testConfig({ COUNTERPARTY_MODE: 'manual' });
    api = await startApi(config);
    const store = api.get(StateStore);
    model = seedModel();
    for (let i = 0; i < model.length; i += 200) {
      const batch = model.slice(i, i + 200);
      const created = await Promise.all(
        batch.map((tp) => store.create('transferprocess', tp, transferProcessEvent(tp, {}, store.newEventId(tp.id)))),
      );
      expect(created.every(Boolean)).toBe(true);
    }
  });

  afterAll(async () => {
    await api?.close();
    if (config) await dropKeys(config);
  });

  const post = (path: string, body: unknown) =>
    request(api.getHttpServer())
      .post(path)
      .set('x-api-key', API_KEY)
      .send(body as object);

  /** 200 and the transfers found. */
  const query = async (spec: Record<string, unknown>): Promise<TransferJson[]> => {
    const res = await post(TP_QUERY, spec);
    if (res.status !== 200) throw new Error(`expected 200 for ${JSON.stringify(spec)}, got ${res.status} ${JSON.stringify(res.body)}`);
    expect(Array.isArray(res.body)).toBe(true);
    return res.body as TransferJson[];
  };
  const ids = (found: { '@id': string }[]) => found.map((t) => t['@id']);

  /** What the model says a query returns: filtered, sorted (ties by creation), paged. */
  const expected = (
    keep: (tp: TransferProcess) => boolean,
    {
      sortField = 'createdAt',
      desc = false,
      offset = 0,
      limit = 50,
    }: { sortField?: keyof TransferProcess; desc?: boolean; offset?: number; limit?: number } = {},
  ): TransferProcess[] => {
    const key = (tp: TransferProcess) => tp[sortField] as string | number;
    return model
      .filter(keep)
      .sort((a, b) => {
        const order = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
        return (desc ? -order : order) || a.createdAt - b.createdAt;
      })
      .slice(offset, offset + limit);
  };
  const byCreation = () => expected(() => true, { limit: N });

  describe('paging', () => {
    it('defaults to offset 0, limit 50, sorted by creation ascending', async () => {
      const found = await query({});
      expect(found).toHaveLength(50);
      expect(ids(found)).toEqual(
        byCreation()
          .slice(0, 50)
          .map((tp) => tp.id),
      );
      // States come back by name, as EDC returns them.
      expect(found[0]).toMatchObject({ '@type': 'TransferProcess', state: model[0].state, contractId: model[0].contractId });
    });

    it('answers offset/limit pages', async () => {
      const found = await query({ offset: 120, limit: 35 });
      expect(ids(found)).toEqual(model.slice(120, 155).map((tp) => tp.id));
    });

    it('answers a last partial page, and [] for an offset at or past the end', async () => {
      expect(ids(await query({ offset: N - 17, limit: 50 }))).toEqual(model.slice(N - 17).map((tp) => tp.id));
      expect(await query({ offset: N, limit: 50 })).toEqual([]);
      expect(await query({ offset: N + 5000, limit: 10 })).toEqual([]);
    });

    it('walks every transfer exactly once with consecutive pages', async () => {
      const seen: string[] = [];
      for (let offset = 0; offset < N + 700; offset += 700) seen.push(...ids(await query({ offset, limit: 700 })));
      expect(seen).toEqual(model.map((tp) => tp.id));
    });

    it('pages a filtered query with a non-index sort without gaps or repeats', async () => {
      const all = expected((tp) => tp.state === 'STARTED', { sortField: 'contractId', desc: true, limit: N });
      const seen: TransferJson[] = [];
      for (let offset = 0; offset < all.length; offset += 97)
        seen.push(
          ...(await query({
            offset,
            limit: 97,
            sortField: 'contractId',
            sortOrder: 'DESC',
            filterExpression: [crit('state', '=', 'STARTED')],
          })),
        );
      expect(seen.map((t) => t.contractId)).toEqual(all.map((tp) => tp.contractId));
      expect(new Set(ids(seen))).toEqual(new Set(all.map((tp) => tp.id)));
      expect(seen).toHaveLength(all.length);
    });
  });

  describe('sorting', () => {
    it.each([
      ['createdAt', 'ASC'],
      ['createdAt', 'DESC'],
      ['stateTimestamp', 'ASC'],
      ['stateTimestamp', 'DESC'],
    ] as const)('sorts by %s %s', async (sortField, sortOrder) => {
      const found = await query({ sortField, sortOrder, offset: 40, limit: 60 });
      expect(ids(found)).toEqual(expected(() => true, { sortField, desc: sortOrder === 'DESC', offset: 40, limit: 60 }).map((tp) => tp.id));
    });

    it.each(['ASC', 'DESC'] as const)('sorts by contractId %s (a field with no order index)', async (sortOrder) => {
      const want = expected(() => true, { sortField: 'contractId', desc: sortOrder === 'DESC', offset: 290, limit: 40 });
      const found = await query({ sortField: 'contractId', sortOrder, offset: 290, limit: 40 });
      // Ties between equal contractIds are not ordered by the contract, so compare the keys.
      expect(found.map((t) => t.contractId)).toEqual(want.map((tp) => tp.contractId));
      const top = await query({ sortField: 'contractId', sortOrder, limit: 1 });
      expect(top[0].contractId).toBe(sortOrder === 'ASC' ? 'contract-00' : 'contract-09');
    });

    it('sorts ascending when sortOrder is left out', async () => {
      const found = await query({ sortField: 'stateTimestamp', limit: 20 });
      expect(ids(found)).toEqual(expected(() => true, { sortField: 'stateTimestamp', limit: 20 }).map((tp) => tp.id));
    });
  });

  describe('operators', () => {
    const someId = () => model[1234].id;
    const code = (tp: TransferProcess) => TRANSFER_STATE_CODES[tp.state];
    const cases: [string, () => Criterion[], (tp: TransferProcess) => boolean][] = [
      ['contractId = ', () => [crit('contractId', '=', 'contract-03')], (tp) => tp.contractId === 'contract-03'],
      ['contractId != ', () => [crit('contractId', '!=', 'contract-03')], (tp) => tp.contractId !== 'contract-03'],
      [
        'contractId in [..]',
        () => [crit('contractId', 'in', ['contract-01', 'contract-07'])],
        (tp) => ['contract-01', 'contract-07'].includes(tp.contractId),
      ],
      ['assetId in [..] (one value)', () => [crit('assetId', 'in', ['asset-17'])], (tp) => tp.assetId === 'asset-17'],
      ['assetId = ', () => [crit('assetId', '=', 'asset-05')], (tp) => tp.assetId === 'asset-05'],
      ['assetId like "asset-1%"', () => [crit('assetId', 'like', 'asset-1%')], (tp) => tp.assetId!.startsWith('asset-1')],
      [
        'assetId like "asset-_5" (one-character wildcard)',
        () => [crit('assetId', 'like', 'asset-_5')],
        (tp) => /^asset-.5$/.test(tp.assetId!),
      ],
      ['transferType like "%PULL"', () => [crit('transferType', 'like', '%PULL')], (tp) => tp.transferType.endsWith('PULL')],
      ['contractId like is case-sensitive', () => [crit('contractId', 'like', 'CONTRACT-05')], () => false],
      ['contractId ilike ignores case', () => [crit('contractId', 'ilike', 'CONTRACT-05')], (tp) => tp.contractId === 'contract-05'],
      ['transferType ilike "%-push"', () => [crit('transferType', 'ilike', '%-push')], (tp) => tp.transferType.endsWith('-PUSH')],
      // The hostile probe's pattern: a backtracking regex never finished it (the api hung).
      ['counterPartyAddress like "%%%…%Q"', () => [crit('counterPartyAddress', 'like', `${'%'.repeat(25)}Q`)], () => false],
      [
        'counterPartyAddress contains "provider-b"',
        () => [crit('counterPartyAddress', 'contains', 'provider-b')],
        (tp) => tp.counterPartyAddress.includes('provider-b'),
      ],
      ['protocol = ', () => [crit('protocol', '=', PROTOCOLS[1])], (tp) => tp.protocol === PROTOCOLS[1]],
      ['id = ', () => [crit('id', '=', someId())], (tp) => tp.id === someId()],
      ['contractId < (string order)', () => [crit('contractId', '<', 'contract-03')], (tp) => tp.contractId < 'contract-03'],
      ['contractId >= (string order)', () => [crit('contractId', '>=', 'contract-08')], (tp) => tp.contractId >= 'contract-08'],
      ['createdAt <', () => [crit('createdAt', '<', BASE + 100)], (tp) => tp.createdAt < BASE + 100],
      ['createdAt <=', () => [crit('createdAt', '<=', BASE + 100)], (tp) => tp.createdAt <= BASE + 100],
      ['createdAt >', () => [crit('createdAt', '>', BASE + 2900)], (tp) => tp.createdAt > BASE + 2900],
      ['createdAt >=', () => [crit('createdAt', '>=', BASE + 2900)], (tp) => tp.createdAt >= BASE + 2900],
      ['createdAt =', () => [crit('createdAt', '=', BASE + 777)], (tp) => tp.createdAt === BASE + 777],
      ['createdAt != ', () => [crit('createdAt', '!=', BASE + 777)], (tp) => tp.createdAt !== BASE + 777],
      [
        'stateTimestamp >=',
        () => [crit('stateTimestamp', '>=', BASE + 1_000_000 + 2500)],
        (tp) => tp.stateTimestamp >= BASE + 1_000_000 + 2500,
      ],
      ['state = "STARTED"', () => [crit('state', '=', 'STARTED')], (tp) => tp.state === 'STARTED'],
      ['state = 600 (its code)', () => [crit('state', '=', 600)], (tp) => tp.state === 'STARTED'],
      ['state != "COMPLETED"', () => [crit('state', '!=', 'COMPLETED')], (tp) => tp.state !== 'COMPLETED'],
      [
        'state in ["STARTED", 800]',
        () => [crit('state', 'in', ['STARTED', 800])],
        (tp) => tp.state === 'STARTED' || tp.state === 'COMPLETED',
      ],
      ['state < 600 (compares codes)', () => [crit('state', '<', 600)], (tp) => code(tp) < 600],
      ['state <= "REQUESTED"', () => [crit('state', '<=', 'REQUESTED')], (tp) => code(tp) <= 500],
      ['state > "REQUESTED" (a name compares by its code)', () => [crit('state', '>', 'REQUESTED')], (tp) => code(tp) > 500],
      ['state >= 800', () => [crit('state', '>=', 800)], (tp) => code(tp) >= 800],
    ];

    it.each(cases)('%s', async (_name, criteria, keep) => {
      const want = expected(keep, { limit: N });
      const found = await query({ filterExpression: criteria(), limit: 10_000 });
      expect(ids(found)).toEqual(want.map((tp) => tp.id));
      for (const t of found) expect(TRANSFER_STATE_CODES).toHaveProperty(t.state);
    });

    it('has seeded data where each filter above is selective (sanity check of the model)', () => {
      for (const state of STATES) expect(model.filter((tp) => tp.state === state).length).toBeGreaterThan(N / 10);
      expect(new Set(model.map((tp) => tp.contractId)).size).toBe(10);
      expect(new Set(model.map((tp) => tp.assetId)).size).toBe(30);
      expect(new Set(model.map((tp) => tp.counterPartyAddress)).size).toBe(3);
      expect(new Set(model.map((tp) => tp.protocol)).size).toBe(2);
    });
  });

  describe('combined filters (all must hold)', () => {
    const cases: [string, Criterion[], (tp: TransferProcess) => boolean, Record<string, unknown>?][] = [
      [
        'two = on indexed fields (contractId, state)',
        [crit('contractId', '=', 'contract-04'), crit('state', '=', 'STARTED')],
        (tp) => tp.contractId === 'contract-04' && tp.state === 'STARTED',
      ],
      [
        'two = on indexed fields (counterPartyAddress, assetId)',
        [crit('counterPartyAddress', '=', ADDRESSES[2]), crit('assetId', '=', 'asset-11')],
        (tp) => tp.counterPartyAddress === ADDRESSES[2] && tp.assetId === 'asset-11',
      ],
      [
        'an = plus a like',
        [crit('counterPartyAddress', '=', ADDRESSES[0]), crit('assetId', 'like', 'asset-2%')],
        (tp) => tp.counterPartyAddress === ADDRESSES[0] && tp.assetId!.startsWith('asset-2'),
      ],
      [
        'a createdAt range with both bounds',
        [crit('createdAt', '>', BASE + 1000), crit('createdAt', '<=', BASE + 1400)],
        (tp) => tp.createdAt > BASE + 1000 && tp.createdAt <= BASE + 1400,
      ],
      [
        'a createdAt range with the bounds given upper first',
        [crit('createdAt', '<', BASE + 2000), crit('createdAt', '>=', BASE + 1990)],
        (tp) => tp.createdAt < BASE + 2000 && tp.createdAt >= BASE + 1990,
      ],
      [
        'a createdAt range plus a state, sorted by stateTimestamp DESC',
        [crit('createdAt', '>=', BASE + 500), crit('createdAt', '<', BASE + 1500), crit('state', 'in', ['INITIAL', 'TERMINATED'])],
        (tp) => tp.createdAt >= BASE + 500 && tp.createdAt < BASE + 1500 && (tp.state === 'INITIAL' || tp.state === 'TERMINATED'),
        { sortField: 'stateTimestamp', sortOrder: 'DESC' },
      ],
      [
        'protocol =, contractId in, stateTimestamp <',
        [
          crit('protocol', '=', PROTOCOLS[0]),
          crit('contractId', 'in', ['contract-02', 'contract-06']),
          crit('stateTimestamp', '<', BASE + 1_000_000 + 1500),
        ],
        (tp) =>
          tp.protocol === PROTOCOLS[0] &&
          ['contract-02', 'contract-06'].includes(tp.contractId) &&
          tp.stateTimestamp < BASE + 1_000_000 + 1500,
      ],
    ];

    it.each(cases)('%s', async (_name, filterExpression, keep, sort = {}) => {
      const want = expected(keep, {
        limit: N,
        sortField: (sort.sortField as keyof TransferProcess) ?? 'createdAt',
        desc: sort.sortOrder === 'DESC',
      });
      expect(want.length).toBeGreaterThan(0);
      const found = await query({ filterExpression, limit: 10_000, ...sort });
      expect(ids(found)).toEqual(want.map((tp) => tp.id));
    });

    it('pages a filtered, sorted result', async () => {
      const keep = (tp: TransferProcess) => tp.state === 'STARTED';
      const found = await query({
        filterExpression: [crit('state', '=', 'STARTED')],
        sortField: 'stateTimestamp',
        sortOrder: 'DESC',
        offset: 5,
        limit: 20,
      });
      expect(ids(found)).toEqual(expected(keep, { sortField: 'stateTimestamp', desc: true, offset: 5, limit: 20 }).map((tp) => tp.id));
      const page = await query({ filterExpression: [crit('contractId', '=', 'contract-01')], offset: 10, limit: 15 });
      expect(ids(page)).toEqual(expected((tp) => tp.contractId === 'contract-01', { offset: 10, limit: 15 }).map((tp) => tp.id));
    });
  });

  describe('JSON-LD names', () => {
    it.each(['edc:contractId', `${EDC}contractId`])('reads operandLeft %s as contractId', async (operandLeft) => {
      const found = await query({ filterExpression: [crit(operandLeft, '=', 'contract-08')], limit: 10_000 });
      expect(ids(found)).toEqual(expected((tp) => tp.contractId === 'contract-08', { limit: N }).map((tp) => tp.id));
    });

    it('reads prefixed state criteria, sortField and QuerySpec keys', async () => {
      const found = await query({
        '@context': { '@vocab': EDC },
        '@type': 'QuerySpec',
        [`${EDC}filterExpression`]: [{ 'edc:operandLeft': 'edc:state', 'edc:operator': '=', 'edc:operandRight': 'COMPLETED' }],
        'edc:sortField': `${EDC}stateTimestamp`,
        sortOrder: 'DESC',
        limit: 25,
      });
      expect(ids(found)).toEqual(
        expected((tp) => tp.state === 'COMPLETED', { sortField: 'stateTimestamp', desc: true, limit: 25 }).map((tp) => tp.id),
      );
    });
  });

  describe('invalid QuerySpecs answer 400 with EDC error arrays', () => {
    const expectErrors = async (spec: unknown, paths: string[]) => {
      const res = await post(TP_QUERY, spec);
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 400 });
      const errors = res.body as EdcErrorJson[];
      expect(Array.isArray(errors)).toBe(true);
      for (const error of errors) {
        expect(Object.keys(error).sort()).toEqual(['invalidValue', 'message', 'path', 'type']);
        expect(error).toMatchObject({ type: 'ValidationFailure', message: expect.any(String) });
      }
      expect(errors.map((e) => e.path).sort()).toEqual([...paths].sort());
      return errors;
    };

    it.each([
      ['an unknown operandLeft', { filterExpression: [crit('colour', '=', 'red')] }, ['filterExpression[0].operandLeft']],
      ['an unknown operator', { filterExpression: [crit('contractId', '~', 'x')] }, ['filterExpression[0].operator']],
      ['"in" with an empty list', { filterExpression: [crit('contractId', 'in', [])] }, ['filterExpression[0].operandRight']],
      ['"like" with a number', { filterExpression: [crit('assetId', 'like', 5)] }, ['filterExpression[0].operandRight']],
      [
        'a "like" pattern over 1,024 characters',
        { filterExpression: [crit('assetId', 'like', '%'.repeat(1025))] },
        ['filterExpression[0].operandRight'],
      ],
      [
        'a state that is neither a name nor a code',
        { filterExpression: [crit('state', '=', 'FLYING')] },
        ['filterExpression[0].operandRight'],
      ],
      ['an unknown sortField', { sortField: 'colour' }, ['sortField']],
      ['sortOrder "UP"', { sortOrder: 'UP' }, ['sortOrder']],
      ['a negative offset', { offset: -1 }, ['offset']],
      ['limit 0', { limit: 0 }, ['limit']],
    ])('400 for %s', async (_case, spec, paths) => {
      const [error] = await expectErrors(spec, paths);
      expect(error.invalidValue).not.toBeUndefined();
    });

    it('names the invalid value of an unknown operandLeft', async () => {
      const [error] = await expectErrors({ filterExpression: [crit('colour', '=', 'red')] }, ['filterExpression[0].operandLeft']);
      expect(error.invalidValue).toBe('colour');
    });

    it('lists two bad criteria in one 400', async () => {
      await expectErrors(
        { filterExpression: [crit('contractId', '=', 'contract-01'), crit('colour', '=', 'red'), crit('assetId', 'like', 42)] },
        ['filterExpression[1].operandLeft', 'filterExpression[2].operandRight'],
      );
    });

    // DESIGN.md: "one element per problem, all problems at once".
    it('lists shape problems and field problems together in one 400', async () => {
      await expectErrors({ limit: 0, sortField: 'colour', filterExpression: [crit('colour', '=', 'red'), crit('contractId', '~', 'x')] }, [
        'limit',
        'sortField',
        'filterExpression[0].operandLeft',
        'filterExpression[1].operator',
      ]);
    });

    // Names that every JS object has are not fields of a transfer either.
    it.each(['constructor', 'toString', '__proto__'])('400 for operandLeft and sortField "%s"', async (name) => {
      await expectErrors({ filterExpression: [crit(name, '=', 'x')] }, ['filterExpression[0].operandLeft']);
      await expectErrors({ sortField: name }, ['sortField']);
    });

    // DESIGN.md: "Never a 500 for anything a client sent."
    it.each([
      ['createdAt >', '>'],
      ['createdAt =', '='],
    ])('400, not 500, for a non-numeric bound on a number field (%s "soon")', async (_case, operator) => {
      await expectErrors({ filterExpression: [crit('createdAt', operator, 'soon')] }, ['filterExpression[0].operandRight']);
    });
  });

  describe('contract negotiations', () => {
    it('filters negotiations by state and counterPartyId', async () => {
      const ids: Record<string, string[]> = {};
      for (const [n, assigner] of ['provider-x', 'provider-x', 'provider-x', 'provider-y', 'provider-y'].entries()) {
        const res = await post(CN_PATH, {
          '@context': { '@vocab': EDC },
          '@type': 'ContractRequest',
          counterPartyAddress: `http://${assigner}.example/api/dsp`,
          protocol: 'dataspace-protocol-http',
          policy: { '@id': `offer-${n}`, '@type': 'odrl:Offer', assigner, target: `asset-${n}` },
        }).expect(200);
        (ids[assigner] ??= []).push(res.body['@id']);
      }
      const requested = ids['provider-x'][1];
      await post(`/signaling/v1/contractnegotiations/${requested}/requested`, {}).expect(200);

      // Negotiations made within one millisecond tie on createdAt, so compare without order.
      const found = async (filterExpression: Criterion[]) => {
        const res = await post(`${CN_PATH}/request`, { filterExpression }).expect(200);
        return new Map(
          (res.body as { '@id': string; '@type': string; state: string }[]).map((cn) => [cn['@id'], `${cn['@type']} ${cn.state}`]),
        );
      };
      const initial = [ids['provider-x'][0], ids['provider-x'][2], ...ids['provider-y']];
      expect(await found([crit('state', '=', 'INITIAL')])).toEqual(new Map(initial.map((id) => [id, 'ContractNegotiation INITIAL'])));
      expect(await found([crit('counterPartyId', '=', 'provider-x')])).toEqual(
        new Map(ids['provider-x'].map((id) => [id, `ContractNegotiation ${id === requested ? 'REQUESTED' : 'INITIAL'}`])),
      );
      expect(await found([crit('edc:counterPartyId', '=', 'provider-x'), crit('state', '=', 'REQUESTED')])).toEqual(
        new Map([[requested, 'ContractNegotiation REQUESTED']]),
      );
      // EDC's own e2e query: `in` over ids and `pending` (never true for this consumer).
      expect(await found([crit('id', 'in', [requested, ids['provider-y'][0]]), crit('pending', '=', false)])).toEqual(
        new Map([
          [requested, 'ContractNegotiation REQUESTED'],
          [ids['provider-y'][0], 'ContractNegotiation INITIAL'],
        ]),
      );
      expect(await found([crit('pending', '=', true)])).toEqual(new Map());
    });

    it('filters by the nested fields of the agreement (contractAgreement.assetId), as EDC does', async () => {
      const res = await post(CN_PATH, {
        '@context': { '@vocab': EDC },
        counterPartyAddress: 'http://provider-z.example/api/dsp',
        protocol: 'dataspace-protocol-http',
        policy: {
          '@context': 'http://www.w3.org/ns/odrl.jsonld',
          '@id': 'offer-z',
          '@type': 'Offer',
          assigner: 'provider-z',
          target: 'asset-nested',
        },
      }).expect(200);
      const id = res.body['@id'];
      for (const signal of ['requested', 'agreed', 'verified', 'finalized'])
        await post(`/signaling/v1/contractnegotiations/${id}/${signal}`, {}).expect(200);
      const query = async (filterExpression: unknown) =>
        (await post(`${CN_PATH}/request`, { filterExpression }).expect(200)).body.map((cn: { '@id': string }) => cn['@id']);
      // One criterion object where EDC takes a list (JSON-LD reads them alike).
      expect(await query(crit('contractAgreement.assetId', '=', 'asset-nested'))).toEqual([id]);
      expect(await query([crit('contractAgreement.providerId', 'in', 'provider-z')])).toEqual([id]);
      expect(await query([crit('contractAgreement.assetId', '=', 'asset-other')])).toEqual([]);
      const refused = await post(`${CN_PATH}/request`, { filterExpression: [crit('contractAgreement.colour', '=', 'x')] }).expect(400);
      expect(refused.body[0].path).toBe('filterExpression[0].operandLeft');
    });

    it('deletes a TERMINATED negotiation (204), refuses any other (409) and an unknown id (404), as EDC does', async () => {
      const create = async () =>
        (
          await post(CN_PATH, {
            counterPartyAddress: 'http://provider-d.example/api/dsp',
            protocol: 'dataspace-protocol-http',
            policy: { '@id': 'offer-d', '@type': 'odrl:Offer', assigner: 'provider-d', target: 'asset-d' },
          }).expect(200)
        ).body['@id'] as string;
      const del = (id: string) => request(api.getHttpServer()).delete(`${CN_PATH}/${id}`).set('x-api-key', API_KEY);
      const live = await create();
      expect((await del(live).expect(409)).body).toEqual([
        { message: 'Cannot delete negotiation in state: INITIAL', type: 'ObjectConflict', path: null, invalidValue: null },
      ]);
      const finalized = await create();
      for (const signal of ['requested', 'agreed', 'verified', 'finalized'])
        await post(`/signaling/v1/contractnegotiations/${finalized}/${signal}`, {}).expect(200);
      expect((await del(finalized).expect(409)).body[0].message).toContain('ContractAgreement already created');
      const terminated = await create();
      await post(`${CN_PATH}/${terminated}/terminate`, { reason: 'r' }).expect(204);
      await del(terminated).expect(204);
      await request(api.getHttpServer()).get(`${CN_PATH}/${terminated}`).set('x-api-key', API_KEY).expect(404);
      // Gone from the indexes too: no query finds it.
      const all = (await post(`${CN_PATH}/request`, { limit: 10_000 }).expect(200)).body.map((cn: { '@id': string }) => cn['@id']);
      expect(all).toContain(live);
      expect(all).not.toContain(terminated);
      expect((await post(`${CN_PATH}/request`, { filterExpression: [crit('state', '=', 'TERMINATED')] }).expect(200)).body).toEqual([]);
      expect((await del(terminated).expect(404)).body[0].type).toBe('ObjectNotFound');
    });
  });
});
