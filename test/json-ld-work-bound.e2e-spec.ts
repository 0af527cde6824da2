import { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { AppConfig } from '@app/platform';
import { CONTEXT_DOCUMENTS } from '../apps/api/src/json-ld/context-documents';
import { JSON_LD_LIMITS } from '../apps/api/src/json-ld/json-ld-limits';
import { apiClient, dropKeys, startApi, testConfig } from './support/harness';

/**
 * Issue 20, finding 2: the JSON-LD work of one request is bounded whatever its shape. A 3 KB
 * QuerySpec mapping two terms to served contexts, nested eight levels, blocked the event loop
 * for 10 s; a 448-byte chain of the management context 60 deep took 1.2 s. Served contexts are
 * now weighed by their size each time they are named, and refused as scoped contexts. Bounded
 * here by counters (CPU time of this process, RSS), not by the clock.
 */

const QUERY = '/management/v3/transferprocesses/request';
const MANAGEMENT = 'https://w3id.org/edc/connector/management/v2';
const DSPACE = 'https://w3id.org/dspace/2025/1/context.jsonld';
const SERVED = [...CONTEXT_DOCUMENTS.keys()];
// EDC's own seven served contexts (the first in the registry; issue 23's Tractus-X, Catena-X, DCP and
// credentials contexts come after them) at once: more than any EDC client names. All sixteen cannot
// be named together anyway: jsonld resolves at most ten context URLs per body, and the two
// credentials contexts protect the same terms.
const EDC_SEVEN = SERVED.slice(0, 7);
const EDC = 'https://w3id.org/edc/v0.0.1/ns/';

const tree = (depth: number): object => (depth === 0 ? { limit: 1 } : { a: tree(depth - 1), b: tree(depth - 1) });
const chain = (depth: number): object => (depth === 0 ? { limit: 1 } : { '@context': MANAGEMENT, a: chain(depth - 1) });

/** CPU of this process (the api and the client) while `work` runs, in ms. */
async function cpuOf<T>(work: () => Promise<T>): Promise<{ result: T; cpuMs: number }> {
  const before = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(before);
  return { result, cpuMs: (used.user + used.system) / 1000 };
}

describe('the JSON-LD work one request may cause (issue 20)', () => {
  let config: AppConfig;
  let api: INestApplication;
  const { post } = apiClient(() => api);

  beforeAll(async () => {
    config = testConfig({ COUNTERPARTY_MODE: 'manual' });
    api = await startApi(config);
  });

  afterAll(async () => {
    await api?.close();
    if (config) await dropKeys(config);
  });

  it('refuses served contexts as scoped contexts (the 3 KB tree), fast, naming why', async () => {
    const body = { '@context': { a: { '@id': 'edc:a', '@context': MANAGEMENT }, b: { '@id': 'edc:b', '@context': DSPACE } }, ...tree(8) };
    const { result: res, cpuMs } = await cpuOf(() => post(QUERY, body));
    expect(res.status).toBe(400);
    expect(res.body[0]).toMatchObject({ type: 'InvalidRequest' });
    expect(res.body[0].message).toContain('inside a term definition (a scoped context)');
    expect(cpuMs).toBeLessThan(500);
    // Also through @import, and in a list.
    for (const scoped of [{ '@import': MANAGEMENT }, [DSPACE]]) {
      const again = await post(QUERY, { '@context': { a: { '@id': 'edc:a', '@context': scoped } }, a: { limit: 1 } });
      expect(again.status).toBe(400);
      expect(again.body[0].message).toContain('scoped context');
    }
  });

  it('weighs a served context by its size each time it is named (the 448-byte chain), naming the limit', async () => {
    const res = await post(QUERY, chain(60));
    expect(res.status).toBe(400);
    expect(res.body[0].message).toContain(`weigh more than ${JSON_LD_LIMITS.maxContextWeight.toLocaleString('en-US')}`);
  });

  it('still takes what EDC clients send: the seven EDC served contexts named once at the top, ODRL on a nested node', async () => {
    expect((await post(QUERY, { '@context': EDC_SEVEN, '@type': 'QuerySpec', limit: 5 })).status).toBe(200);
    expect((await post(QUERY, { '@context': [MANAGEMENT], '@type': 'QuerySpec', limit: 5 })).status).toBe(200);
    const nested = { '@context': { '@vocab': EDC }, limit: 5, x: { '@context': 'http://www.w3.org/ns/odrl.jsonld', permission: [] } };
    expect((await post(QUERY, nested)).status).toBe(200);
  });

  it('still refuses remote contexts in scoped positions, without fetching them', async () => {
    // Port 9 (discard) on loopback: nothing listens, and a fetch would fail differently.
    const res = await post(QUERY, { '@context': { a: { '@id': 'edc:a', '@context': 'http://127.0.0.1:9/ctx' } }, a: { limit: 1 } });
    expect(res.status).toBe(400);
    expect(res.body[0].type).toBe('InvalidRequest');
  });

  it('refuses more values than the limit, fast', async () => {
    const values = Array.from({ length: JSON_LD_LIMITS.maxValues + 1 }, (_, i) => `v${i}`);
    const res = await post(QUERY, { 'edc:filterExpression': { operandLeft: 'id', operator: 'in', operandRight: values } });
    expect(res.status).toBe(400);
    expect(res.body[0].message).toContain(`more than ${JSON_LD_LIMITS.maxValues} values`);
  });

  describe('property: random JSON-LD bodies within the limits', () => {
    // Keys that are terms of the served contexts (scoped ones included), so that nesting them
    // applies their scoped contexts, and plain ones.
    const key = fc.constantFrom(
      'a',
      'b',
      'properties',
      'privateProperties',
      'dataAddress',
      'policy',
      'permission',
      'constraint',
      'edc:x',
      'odrl:target',
      'limit',
      'filterExpression',
      'offset',
      'Asset',
      'catalog',
      'dataset',
    );
    const served = fc.constantFrom(...SERVED);
    const inline = fc.dictionary(
      fc.constantFrom('a', 'b', 'c', 'p', 'q', 'properties', 'policy'),
      fc.oneof(
        fc.constant('edc:t'),
        fc.record({ '@id': fc.constant('edc:s'), '@context': fc.dictionary(fc.constantFrom('x', 'y'), fc.constant('edc:y')) }),
      ),
      { maxKeys: 6 },
    );
    const context = fc.oneof(served, inline, fc.array(fc.oneof(served, inline), { maxLength: 3 }), fc.record({ '@import': served }));
    const { node } = fc.letrec((tie) => ({
      node: fc.record(
        {
          '@context': context,
          '@type': fc.constantFrom('Asset', 'QuerySpec', 'odrl:Offer', 'DataAddress', 'CatalogAsset'),
          children: fc.dictionary(
            key,
            fc.oneof(
              { depthSize: 'small' },
              fc.string({ maxLength: 8 }),
              fc.integer(),
              tie('node'),
              fc.array(tie('node'), { maxLength: 3 }),
            ),
            { maxKeys: 4 },
          ),
        },
        { requiredKeys: ['children'] },
      ),
    }));
    const body = node.map(function flatten(n: unknown): unknown {
      const { children, ...rest } = n as { children: Record<string, unknown> };
      const out: Record<string, unknown> = { ...rest };
      for (const [k, v] of Object.entries(children))
        out[k] = Array.isArray(v) ? v.map(flatten) : v !== null && typeof v === 'object' ? flatten(v) : v;
      return out;
    });

    it('never answers anything but 200 or 400, and never takes more than the bound in CPU or memory', async () => {
      const worst = { cpuMs: 0, rssMb: 0, accepted: 0 };
      const rssBefore = process.memoryUsage().rss;
      await fc.assert(
        fc.asyncProperty(body, async (b) => {
          const { result: res, cpuMs } = await cpuOf(() => post(QUERY, b as object));
          expect([200, 400]).toContain(res.status);
          if (res.status === 200) worst.accepted++;
          worst.cpuMs = Math.max(worst.cpuMs, cpuMs);
          // A processing of the heaviest served context afresh costs ~26 ms; a few of them, with the client's share.
          expect(cpuMs).toBeLessThan(400);
        }),
        { numRuns: 150, seed: 23 },
      );
      worst.rssMb = (process.memoryUsage().rss - rssBefore) / 1e6;
      expect(worst.rssMb).toBeLessThan(300);
      console.log(
        `worst random JSON-LD body: ${worst.cpuMs.toFixed(0)} ms CPU; RSS grew ${worst.rssMb.toFixed(0)} MB; ${worst.accepted} of 150 accepted`,
      );
    });
  });
});
