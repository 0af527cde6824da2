import fc from 'fast-check';
import { expandRequest } from './expand-request';
import { readCompact } from './read-compact';
import { readExpanded } from './read-expanded';

/** The JSON-LD processor's reading: expansion, then the reader. */
const readJsonLdFully = async (body: object) => readExpanded(await expandRequest(body));

const EDC = 'https://w3id.org/edc/v0.0.1/ns/';

/** What reading gives, or the message it refuses with: both paths must agree on either. */
async function outcome(read: () => Promise<unknown>): Promise<unknown> {
  try {
    return { read: await read() };
  } catch (err) {
    return { refused: (err as Error).message };
  }
}

// Keys and values chosen to hit every rule of the fast path: plain terms, the prefixes the base
// context defines, compact IRIs, keywords, prototype names, empty and dotted names.
// Plain keys weigh more, so that many bodies stay on the fast path and the comparison bites.
const key = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'uri', 'events', 'type', 'x.y', '_p', '@id', '@type') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'constructor',
      '__proto__',
      'edc',
      'odrl',
      'edc:a',
      'odrl:target',
      '@value',
      '@list',
      '@context',
      '',
      'http://ex.org/k',
      '1a',
    ),
  },
);
const scalar = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom(
    'odrl:use',
    'TransferRequest',
    'edc:x',
    '_:b0',
    '../up',
    'a/b',
    '#frag',
    '?q=1',
    './here',
    'offer-1',
    ' spaced ',
    'a.b',
    '.x',
    '0f8fad5b-d9cb-469f-a165-70867728950e',
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
}));
const context = fc.constantFrom(
  undefined,
  { '@vocab': EDC },
  { edc: EDC },
  { '@vocab': EDC, odrl: 'http://www.w3.org/ns/odrl/2/' },
  { '@vocab': EDC, x: 'urn:x:' },
  'http://www.w3.org/ns/odrl.jsonld',
);
const body = fc.tuple(context, fc.dictionary(key, value, { maxKeys: 6 })).map(([ctx, fields]) => {
  const out: Record<string, unknown> = { ...fields };
  delete out['@context'];
  return ctx === undefined ? out : { '@context': ctx, ...out };
});

/** A request body as EDC's users write it: the shapes the fast path exists for. */
const compactBody = fc.record({
  '@context': fc.constant({ '@vocab': EDC }),
  '@type': fc.constantFrom('TransferRequest', 'ContractRequest', 'QuerySpec'),
  counterPartyAddress: fc.webUrl(),
  contractId: fc.string(),
  callbackAddresses: fc.array(
    fc.record({
      uri: fc.webUrl(),
      events: fc.array(fc.constantFrom('transfer.process', 'contract.negotiation'), { maxLength: 3 }),
      transactional: fc.boolean(),
    }),
    { maxLength: 3 },
  ),
  dataDestination: fc.record({ type: fc.string(), baseUrl: fc.webUrl() }),
  privateProperties: fc.dictionary(fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,8}$/), fc.oneof(fc.string(), fc.integer(), fc.constant(null))),
  filterExpression: fc.array(
    fc.record({
      operandLeft: fc.constantFrom('state', 'contractAgreement.assetId'),
      operator: fc.constantFrom('=', 'in'),
      operandRight: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 })),
    }),
    { maxLength: 3 },
  ),
});

describe('the compact fast path reads what the JSON-LD processor reads', () => {
  it('on EDC-shaped compact bodies, all of which it takes', async () => {
    await fc.assert(
      fc.asyncProperty(compactBody, async (b) => {
        const fast = readCompact(b);
        expect(fast).toBeDefined();
        expect(await outcome(async () => fast)).toEqual(await outcome(() => readJsonLdFully(b)));
      }),
      { numRuns: 400, seed: 12 },
    );
  });

  it('on arbitrary JSON, whenever it takes a body', async () => {
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const fast = await outcome(async () => readCompact(b));
        if ((fast as { read?: unknown }).read === undefined && !('refused' in (fast as object))) return;
        taken++;
        expect(fast).toEqual(await outcome(() => readJsonLdFully(b)));
      }),
      { numRuns: 6000, seed: 7 },
    );
    // The comparison means something only if the fast path took many of them.
    expect(taken).toBeGreaterThan(800);
  });

  it('refuses a body with too many objects as the processor does', async () => {
    const big = { '@context': { '@vocab': EDC }, list: Array.from({ length: 1001 }, () => ({ a: 1 })) };
    const fast = await outcome(async () => readCompact(big));
    expect(fast).toEqual(await outcome(() => readJsonLdFully(big)));
    expect(fast).toEqual({ refused: expect.stringContaining('more than 1000 objects') });
  });
});
