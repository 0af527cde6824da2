import http from 'node:http';
import { AddressInfo } from 'node:net';
import jsonld from 'jsonld';
import { REDIS } from '@app/platform';
import { agreementFixture, apiClient, EDC_RESPONSE_CONTEXT, seedAgreement, Stack, startStack } from './support/harness';

// Requests are read as EDC reads them: expanded by a JSON-LD processor first. Every valid
// spelling of one request must make the same object; remote contexts are never fetched;
// the JSON-LD work of one request is bounded.

const EDC = 'https://w3id.org/edc/v0.0.1/ns/';
const ODRL = 'http://www.w3.org/ns/odrl/2/';

/** One negotiation request, in the compact form EDC's docs use. */
const compact = {
  '@context': { '@vocab': EDC, odrl: ODRL },
  '@type': 'ContractRequest',
  counterPartyAddress: 'http://provider.example/dsp',
  protocol: 'dataspace-protocol-http',
  policy: {
    '@id': 'offer-1',
    '@type': 'odrl:Offer',
    'odrl:assigner': 'provider-1',
    'odrl:target': 'asset-1',
    'odrl:permission': [
      {
        'odrl:action': { '@id': 'odrl:use' },
        'odrl:constraint': [
          { 'odrl:leftOperand': { '@id': 'odrl:purpose' }, 'odrl:operator': { '@id': 'odrl:eq' }, 'odrl:rightOperand': 'research' },
        ],
      },
    ],
  },
  callbackAddresses: [{ uri: 'http://127.0.0.1:9/cb', events: ['contract.negotiation'], transactional: false }],
};

/** The same request in other valid spellings. */
const SPELLINGS: [string, object | (() => Promise<object>)][] = [
  ['compact with @vocab', compact],
  [
    'with the ODRL context, single values where lists go, assigner/target as {"@id"}',
    {
      '@context': { '@vocab': EDC },
      counterPartyAddress: 'http://provider.example/dsp',
      protocol: 'dataspace-protocol-http',
      policy: {
        '@context': 'http://www.w3.org/ns/odrl.jsonld',
        '@id': 'offer-1',
        '@type': 'Offer',
        assigner: { '@id': 'provider-1' },
        target: { '@id': 'asset-1' },
        permission: { action: 'use', constraint: { leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' } },
      },
      callbackAddresses: { uri: 'http://127.0.0.1:9/cb', events: 'contract.negotiation' },
    },
  ],
  [
    'prefixed edc: keys, without a context for them',
    {
      'edc:counterPartyAddress': 'http://provider.example/dsp',
      'edc:protocol': 'dataspace-protocol-http',
      'edc:policy': {
        '@id': 'offer-1',
        '@type': 'odrl:Offer',
        'odrl:assigner': { '@id': 'provider-1' },
        'odrl:target': { '@id': 'asset-1' },
        'odrl:permission': {
          'odrl:action': { '@id': 'odrl:use' },
          'odrl:constraint': {
            'odrl:leftOperand': { '@id': 'odrl:purpose' },
            'odrl:operator': { '@id': 'odrl:eq' },
            'odrl:rightOperand': 'research',
          },
        },
      },
      'edc:callbackAddresses': [{ 'edc:uri': 'http://127.0.0.1:9/cb', 'edc:events': ['contract.negotiation'] }],
    },
  ],
  [
    'custom prefixes',
    {
      '@context': { x: EDC, o: ODRL },
      'x:counterPartyAddress': 'http://provider.example/dsp',
      'x:protocol': 'dataspace-protocol-http',
      'x:policy': {
        '@id': 'offer-1',
        '@type': 'o:Offer',
        'o:assigner': 'provider-1',
        'o:target': 'asset-1',
        'o:permission': {
          'o:action': { '@id': 'o:use' },
          'o:constraint': { 'o:leftOperand': { '@id': 'o:purpose' }, 'o:operator': { '@id': 'o:eq' }, 'o:rightOperand': 'research' },
        },
      },
      'x:callbackAddresses': { 'x:uri': 'http://127.0.0.1:9/cb', 'x:events': 'contract.negotiation' },
    },
  ],
  // The node object itself: a request body is one object (EDC reads a JsonObject), not the array around it.
  ['the fully expanded form', async () => (await jsonld.expand(compact as jsonld.JsonLdDocument))[0]],
  [
    "EDC's management context",
    {
      '@context': ['https://w3id.org/edc/connector/management/v0.0.1'],
      '@type': 'ContractRequest',
      counterPartyAddress: 'http://provider.example/dsp',
      protocol: 'dataspace-protocol-http',
      policy: {
        '@context': 'http://www.w3.org/ns/odrl.jsonld',
        '@type': 'Offer',
        '@id': 'offer-1',
        assigner: 'provider-1',
        target: 'asset-1',
        permission: [{ action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }] }],
      },
      callbackAddresses: [{ uri: 'http://127.0.0.1:9/cb', events: ['contract.negotiation'] }],
    },
  ],
];

describe('JSON-LD requests', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(() => ({ COUNTERPARTY_MODE: 'manual' }));
  });
  afterAll(() => stack?.stop());
  const { get, post } = apiClient(() => stack.api);

  /** What a negotiation made from `body` holds, without what differs between two creates. */
  const madeFrom = async (body: object) => {
    const created = await post('/management/v3/contractnegotiations', body).expect(200);
    const id = created.body['@id'];
    for (const signal of ['requested', 'agreed', 'verified', 'finalized'])
      await post(`/signaling/v1/contractnegotiations/${id}/${signal}`).expect(200);
    const {
      '@id': _id,
      createdAt: _c,
      stateTimestamp: _s,
      contractAgreementId: _a,
      ...negotiation
    } = (await get(`/management/v3/contractnegotiations/${id}`).expect(200)).body;
    const {
      '@id': _aid,
      contractSigningDate: _d,
      policy,
      ...agreement
    } = (await get(`/management/v3/contractnegotiations/${id}/agreement`).expect(200)).body;
    const { '@id': _pid, ...policyWithoutId } = policy;
    return { negotiation, agreement, policy: policyWithoutId };
  };

  it.each(SPELLINGS)('reads "%s" as the same request', async (_name, spelling) => {
    const body = typeof spelling === 'function' ? await spelling() : spelling;
    expect(await madeFrom(body)).toEqual(await madeFrom(compact));
  });

  it('answers compacted JSON-LD that expands to EDC IRIs', async () => {
    const { negotiation, agreement, policy: compactedPolicy } = await madeFrom(compact);
    const [expanded] = await jsonld.expand({ ...negotiation, '@id': 'x' } as jsonld.JsonLdDocument);
    expect(expanded).toMatchObject({
      '@type': [`${EDC}ContractNegotiation`],
      [`${EDC}counterPartyAddress`]: [{ '@value': 'http://provider.example/dsp' }],
      [`${EDC}callbackAddresses`]: [{ '@type': [`${EDC}CallbackAddress`], [`${EDC}uri`]: [{ '@value': 'http://127.0.0.1:9/cb' }] }],
    });
    expect(agreement['@context']).toEqual(EDC_RESPONSE_CONTEXT);
    const [policy] = await jsonld.expand({ ...agreement, '@id': 'a', policy: compactedPolicy } as jsonld.JsonLdDocument);
    expect(policy[`${EDC}policy`]).toEqual([
      expect.objectContaining({
        '@type': [`${ODRL}Agreement`],
        [`${ODRL}assigner`]: [{ '@id': 'provider-1' }],
        [`${ODRL}target`]: [{ '@id': 'asset-1' }],
        [`${ODRL}permission`]: [
          expect.objectContaining({
            [`${ODRL}action`]: [{ '@id': `${ODRL}use` }],
            [`${ODRL}constraint`]: [
              {
                [`${ODRL}leftOperand`]: [{ '@id': `${ODRL}purpose` }],
                [`${ODRL}operator`]: [{ '@id': `${ODRL}eq` }],
                [`${ODRL}rightOperand`]: [{ '@value': 'research' }],
              },
            ],
          }),
        ],
      }),
    ]);
  });

  it('reads a transfer request in expanded form, with one value for each list', async () => {
    await seedAgreement(stack.api.get(REDIS), stack.config, agreementFixture({ id: 'agreement-x', assetId: 'asset-x' }));
    const [body] = await jsonld.expand({
      '@context': { '@vocab': EDC },
      counterPartyAddress: 'http://provider.example/dsp',
      protocol: 'dataspace-protocol-http',
      contractId: 'agreement-x',
      transferType: 'HttpData-PUSH',
      dataDestination: { type: 'HttpData', baseUrl: 'http://sink.example/in' },
      privateProperties: { 'https://example.org/ns/tag': 'blue' },
      callbackAddresses: { uri: 'http://127.0.0.1:9/tp', events: 'transfer.process' },
    } as jsonld.JsonLdDocument);
    const created = await post('/management/v3/transferprocesses', body).expect(200);
    const tp = await get(`/management/v3/transferprocesses/${created.body['@id']}`).expect(200);
    expect(tp.body).toMatchObject({
      assetId: 'asset-x',
      transferType: 'HttpData-PUSH',
      dataDestination: { '@type': 'DataAddress', type: 'HttpData', baseUrl: 'http://sink.example/in' },
      privateProperties: { 'https://example.org/ns/tag': 'blue' },
      callbackAddresses: [{ '@type': 'CallbackAddress', uri: 'http://127.0.0.1:9/tp', events: ['transfer.process'], transactional: false }],
    });
  });

  describe('refuses what EDC refuses', () => {
    const refused = async (path: string, body: object, status = 400) =>
      (await post(path, body).expect(status)).body as { message: string; path: string; type: string }[];

    it('a policy whose @type is missing or not an ODRL Offer', async () => {
      for (const type of [undefined, 'odrl:Set', 'Offer' /* under EDC's @vocab: edc:Offer */]) {
        const errors = await refused('/management/v3/contractnegotiations', { ...compact, policy: { ...compact.policy, '@type': type } });
        expect(errors).toEqual([expect.objectContaining({ path: 'policy.@type', type: 'ValidationFailure' })]);
      }
    });

    it('a policy constraint with an operator ODRL does not have', async () => {
      const policy = {
        ...compact.policy,
        'odrl:permission': { 'odrl:constraint': { 'odrl:leftOperand': 'x', 'odrl:operator': 'odrl:bigger', 'odrl:rightOperand': 1 } },
      };
      const errors = await refused('/management/v3/contractnegotiations', { ...compact, policy });
      expect(errors).toEqual([
        expect.objectContaining({ path: 'policy.permission[0].constraint[0].operator', invalidValue: 'odrl:bigger' }),
      ]);
    });

    const transfer = {
      counterPartyAddress: 'http://p.example/dsp',
      protocol: 'dataspace-protocol-http',
      contractId: 'contract-1',
      transferType: 'HttpData-PULL',
    };

    it('a transfer whose contractId names no agreement: 400 as EDC answers', async () => {
      const errors = await refused('/management/v3/transferprocesses', { ...transfer, contractId: 'no-such-agreement' });
      expect(errors).toEqual([
        { message: 'Contract agreement with id no-such-agreement not found', type: 'InvalidRequest', path: null, invalidValue: null },
      ]);
    });

    it('a transferType that is not <type>-PUSH|PULL, and a PUSH without dataDestination', async () => {
      for (const transferType of ['HttpData', 'HttpData-SIDEWAYS', '-PULL', 'PULL']) {
        const errors = await refused('/management/v3/transferprocesses', { ...transfer, transferType });
        expect(errors).toEqual([expect.objectContaining({ path: 'transferType', invalidValue: transferType })]);
      }
      const errors = await refused('/management/v3/transferprocesses', { ...transfer, transferType: 'HttpData-PUSH' });
      expect(errors).toEqual([
        expect.objectContaining({ path: 'dataDestination', message: expect.stringContaining('required for a PUSH transfer') }),
      ]);
      await post('/management/v3/transferprocesses', { ...transfer, transferType: 'HttpData-PULL-websocket' }).expect(200);
    });
  });

  describe('never fetches a remote context, and bounds the work', () => {
    let server: http.Server;
    let fetched = 0;
    let url = '';
    beforeAll(async () => {
      server = http.createServer((_req, res) => {
        fetched++;
        res.setHeader('content-type', 'application/ld+json');
        res.end(JSON.stringify({ '@context': { '@vocab': EDC } }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/context.jsonld`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it.each([
      ['as the @context', (u: string) => ({ '@context': u })],
      ['in a @context list', (u: string) => ({ '@context': [{ '@vocab': EDC }, u] })],
      ['through @import', (u: string) => ({ '@context': { '@import': u } })],
      ['nested in the policy', (u: string) => ({ policy: { '@context': u } })],
    ])('refuses an unknown remote context %s with a clear 400 and no request to it', async (_how, place) => {
      const res = await post('/management/v3/contractnegotiations', { ...compact, ...place(url) }).expect(400);
      expect(res.body).toEqual([
        {
          message: expect.stringContaining(`The @context ${url} is not one this service knows`),
          type: 'InvalidRequest',
          path: null,
          invalidValue: null,
        },
      ]);
      expect(res.body[0].message).toContain('never fetched');
      expect(fetched).toBe(0);
    });

    it.each([
      ['a @graph of two requests', { '@graph': [compact, compact] }, 'not a @graph'],
      [
        'too many @context entries',
        { ...compact, '@context': Array.from({ length: 17 }, () => ({ '@vocab': EDC })) },
        'more than 16 @context',
      ],
      [
        'a huge inline context',
        { ...compact, '@context': Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`t${i}`, `${EDC}t${i}`])) },
        'more than 256 terms',
      ],
      ['too many objects', { ...compact, privateProperties: { list: Array.from({ length: 1001 }, () => ({})) } }, 'more than 1000 objects'],
      [
        'many objects under a large inline context',
        {
          ...compact,
          '@context': Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`t${i}`, `${EDC}t${i}`])),
          list: Array.from({ length: 200 }, () => ({})),
        },
        'objects times terms',
      ],
      ['invalid JSON-LD', { ...compact, '@context': { '@vocab': 42 } }, 'not valid JSON-LD'],
    ])('refuses %s with a clear 400', async (_what, body, message) => {
      const started = Date.now();
      const res = await post('/management/v3/transferprocesses', body).expect(400);
      expect(res.body).toEqual([expect.objectContaining({ type: 'InvalidRequest', message: expect.stringContaining(message) })]);
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('answers the costliest body within the limits in bounded time', async () => {
      // A type-scoped context applied to each of ~990 nodes, with as many terms as the limits allow.
      const scoped = {
        '@context': {
          Item: { '@id': `${EDC}Item`, '@context': Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`k${i}`, `${EDC}k${i}`])) },
        },
      };
      const items = Array.from({ length: 990 }, () => ({ '@type': 'Item', k1: 'v' }));
      const started = Date.now();
      const res = await post('/management/v3/transferprocesses', { ...scoped, privateProperties: { items } });
      expect(res.status).toBe(400); // the transfer's required fields are missing; the point is the time
      expect(res.body.map((e: { path: string }) => e.path)).toContain('contractId');
      expect(Date.now() - started).toBeLessThan(1500);
    });
  });
});
