import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readJsonLd } from '../apps/api/src/json-ld/read-json-ld';
import { agreementFixture, apiClient, EDC_RESPONSE_CONTEXT, seedAgreement, Stack, startStack } from './support/harness';
import { REDIS } from '@app/platform';

interface CorpusEntry {
  file: string;
  source: { repo: string; path: string; commit: string };
  kind: 'contract-request' | 'transfer-request' | 'negotiation-query' | 'transfer-query' | 'agreement-query' | 'terminate';
  body: Record<string, unknown>;
  /** Set for a body EDC v3 refuses too: the paths of the 400's problems, and why. */
  expected?: { status: 400; paths: string[]; why: string };
}

const CORPUS = path.join(__dirname, 'corpus');
const corpus: CorpusEntry[] = ['edc-samples', 'edc-connector', 'tractusx'].flatMap((dir) =>
  readdirSync(path.join(CORPUS, dir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ file: `${dir}/${f}`, ...JSON.parse(readFileSync(path.join(CORPUS, dir, f), 'utf8')) })),
);
const of = (kind: CorpusEntry['kind']) => corpus.filter((e) => e.kind === kind).map((e) => [e.file, e] as const);

// Every body EDC's samples, end-to-end tests and the Tractus-X docs send (test/corpus/README.md), as EDC reads it.
describe('request bodies from EDC samples and e2e tests', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(() => ({ COUNTERPARTY_MODE: 'manual' }));
  });
  afterAll(() => stack?.stop());
  const { get, post } = apiClient(() => stack.api);

  it('holds the bodies of both sources', () => {
    expect(of('contract-request').filter(([, e]) => !e.expected).length).toBeGreaterThanOrEqual(20);
    expect(of('transfer-request').length).toBeGreaterThanOrEqual(20);
    for (const entry of corpus) expect(entry.source.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it.each(of('contract-request'))('answers the contract request %s as EDC v3 does', async (_file, { body, expected }) => {
    if (expected) {
      const refused = await post('/management/v3/contractnegotiations', body).expect(400);
      expect(refused.body.map((e: { path: string }) => e.path).sort()).toEqual(expected.paths);
      expect(refused.body.every((e: { type: string }) => e.type === 'ValidationFailure')).toBe(true);
      return;
    }
    const read = await readJsonLd(body);
    const policy = read.policy as Record<string, unknown>;
    const created = await post('/management/v3/contractnegotiations', body).expect(200);
    expect(created.body).toMatchObject({ '@context': EDC_RESPONSE_CONTEXT, '@type': 'IdResponse' });
    const cn = await get(`/management/v3/contractnegotiations/${created.body['@id']}`).expect(200);
    expect(cn.body).toMatchObject({
      '@type': 'ContractNegotiation',
      state: 'INITIAL',
      counterPartyAddress: read.counterPartyAddress,
      counterPartyId: policy.assigner,
      protocol: read.protocol,
      assetId: policy.target,
    });
  });

  it.each(of('transfer-request'))('accepts the transfer request %s', async (_file, { body }) => {
    const read = await readJsonLd(body);
    await seedAgreement(
      stack.api.get(REDIS),
      stack.config,
      agreementFixture({ id: String(read.contractId), assetId: 'asset-of-the-agreement' }),
    );
    const created = await post('/management/v3/transferprocesses', body).expect(200);
    const tp = await get(`/management/v3/transferprocesses/${created.body['@id']}`).expect(200);
    expect(tp.body).toMatchObject({
      '@type': 'TransferProcess',
      state: 'INITIAL',
      contractId: read.contractId,
      // EDC takes the asset from the agreement, whatever the (deprecated) assetId of the body says.
      assetId: 'asset-of-the-agreement',
      transferType: read.transferType,
      counterPartyAddress: read.counterPartyAddress,
    });
  });

  it.each(of('negotiation-query'))('answers the negotiation query %s', async (_file, { body }) => {
    await post('/management/v3/contractnegotiations/request', body).expect(200);
  });

  it.each(of('transfer-query'))('answers the transfer query %s', async (_file, { body }) => {
    await post('/management/v3/transferprocesses/request', body).expect(200);
  });

  it.each(of('agreement-query'))('answers the agreement query %s', async (_file, { body }) => {
    const res = await post('/management/v3/contractagreements/request', body).expect(200);
    expect(Array.isArray(res.body)).toBe(true);
  });

  it.each(of('terminate'))('terminates with the body %s', async (_file, { body }) => {
    const entry = corpus.find((e) => e.kind === 'contract-request' && !e.expected)!;
    const created = await post('/management/v3/contractnegotiations', entry.body).expect(200);
    await post(`/management/v3/contractnegotiations/${created.body['@id']}/terminate`, body).expect(204);
    const state = await get(`/management/v3/contractnegotiations/${created.body['@id']}/state`).expect(200);
    expect(state.body.state).toBe('TERMINATED');
    const cn = await get(`/management/v3/contractnegotiations/${created.body['@id']}`).expect(200);
    expect(cn.body.errorDetail).toBe((await readJsonLd(body)).reason);
  });
});
