import 'reflect-metadata';
import fc from 'fast-check';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { plainTransferRequest } from './plain-transfer-request';
import { TransferRequestDto } from './transfer-request.dto';

/** What the DTO path makes of `body`: class-transformer, then class-validator, as readBody runs them. */
async function throughDto(body: Record<string, unknown>) {
  const dto = plainToInstance(TransferRequestDto, body);
  const errors = await validate(dto, { forbidUnknownValues: false });
  return { dto, valid: errors.length === 0 };
}

/** Mostly `valid`, sometimes anything: each field of a body is broken now and then, not every time. */
const mostly = <T>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: other });

const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));

const PLAIN = {
  '@type': 'TransferRequest',
  counterPartyAddress: 'http://provider.example/api/dsp',
  protocol: 'dataspace-protocol-http',
  contractId: 'contract-1',
  transferType: 'HttpData-PULL',
  callbackAddresses: { uri: 'https://receiver.example/cb', events: 'transfer.process' },
};

const anyScalar = fc.oneof(
  fc.constantFrom('', 'x', 'HttpData-PULL', 'HttpData-PUSH', 'Http-PULL-x', 'PULL', 'http://a.example/cb', 'ftp://a.example', 'no url'),
  fc.constantFrom('https://a..example/cb', `http://${'a'.repeat(70)}.example/`, 'x'.repeat(257), '\u{1F600}'.repeat(200)),
  fc.constantFrom('transfer', 't'.repeat(129)),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const anyValue = fc.oneof(anyScalar, fc.array(anyScalar, { maxLength: 3 }), fc.dictionary(fc.constantFrom('type', 'uri', 'x'), anyScalar));
const anyAddress = fc.oneof(
  fc.record(
    {
      uri: fc.oneof(fc.constantFrom('http://a.example/cb', 'https://b.example:8443/x?y=1'), anyScalar),
      events: fc.oneof(
        fc.constantFrom('transfer.process', ''),
        fc.array(anyScalar, { maxLength: 3 }),
        fc.array(fc.constant('e'), { minLength: 30, maxLength: 34 }),
        anyScalar,
      ),
      transactional: fc.oneof(fc.boolean(), anyScalar),
      authKey: fc.constantFrom('X-Key', 'content-length', 7),
      authCodeId: fc.constantFrom('alias', ''),
      ordered: fc.boolean(),
      extra: anyScalar,
    },
    { requiredKeys: [] },
  ),
  anyScalar,
);
const fields = {
  '@id': fc.oneof(fc.constantFrom('tp-1', 'x'.repeat(256), 'x'.repeat(257), '\u{1F600}'.repeat(129)), anyScalar),
  '@type': fc.constantFrom('TransferRequest', ['TransferRequest']),
  counterPartyAddress: mostly(fc.constant('http://provider.example/api/dsp'), anyScalar),
  protocol: mostly(fc.constant('dataspace-protocol-http'), anyScalar),
  contractId: mostly(fc.constant('contract-1'), anyScalar),
  transferType: mostly(fc.constantFrom('HttpData-PULL', 'AmazonS3-PUSH', 'HttpData-PULL-Json'), anyScalar),
  assetId: anyValue,
  dataDestination: fc.oneof(
    fc.record({ type: fc.oneof(fc.constant('HttpProxy'), anyScalar), baseUrl: anyScalar }, { requiredKeys: [] }),
    anyValue,
  ),
  callbackAddresses: fc.oneof(
    anyAddress,
    fc.array(anyAddress, { maxLength: 3 }),
    fc.array(fc.constant({ uri: 'http://a.example/', events: [] }), { minLength: 19, maxLength: 22 }),
  ),
  privateProperties: anyValue,
  managedResources: anyValue,
  unknownField: anyValue,
};
const { privateProperties: _p, managedResources: _m, unknownField: _u, ...plainFields } = fields;
const plainAddress = fc.record(
  {
    uri: mostly(fc.constantFrom('http://a.example/cb', 'https://b.example:8443/x?y=1', 'http://127.0.0.1:9/'), anyScalar),
    events: mostly(
      fc.oneof(fc.constantFrom('transfer.process', 'transfer'), fc.array(fc.constantFrom('transfer.process', 'x'), { maxLength: 3 })),
      anyScalar,
    ),
    transactional: fc.oneof(fc.boolean(), anyScalar),
  },
  { requiredKeys: ['uri', 'events'] },
);
// Mostly bodies with the fast path's fields only, so that it is taken often; some with anything.
const anyBody = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record(
      { ...plainFields, callbackAddresses: fc.oneof(plainAddress, fc.array(plainAddress, { maxLength: 3 })) },
      { requiredKeys: ['counterPartyAddress', 'protocol', 'contractId', 'transferType'] },
    ),
  },
  { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) },
);

describe('the plain transfer request fast path', () => {
  it('takes the requests clients send: compact, one address, a list of addresses, a PUSH with its destination', async () => {
    const bodies = [
      PLAIN,
      {
        ...PLAIN,
        '@id': 'tp-1',
        assetId: 'a',
        callbackAddresses: [PLAIN.callbackAddresses, { uri: 'http://b.example/', events: [], transactional: true }],
      },
      { ...PLAIN, transferType: 'AmazonS3-PUSH', dataDestination: { type: 'AmazonS3', bucket: 'b' } },
      { ...PLAIN, callbackAddresses: undefined },
    ];
    for (const body of bodies) {
      const fast = plainTransferRequest(asJson(body));
      expect(fast).not.toBeNull();
      const slow = await throughDto(asJson(body));
      expect(slow.valid).toBe(true);
      expect(asJson(fast)).toEqual(asJson(slow.dto));
    }
  });

  it('leaves to the DTO what it cannot vouch for', () => {
    for (const body of [
      { ...PLAIN, transferType: 'HttpData-PUSH' },
      { ...PLAIN, callbackAddresses: { uri: 'ftp://x.example', events: [] } },
      { ...PLAIN, callbackAddresses: { uri: 'http://x.example', events: [], authKey: 'X-Key', authCodeId: 'alias' } },
      { ...PLAIN, privateProperties: {} },
    ])
      expect(plainTransferRequest(asJson(body))).toBeNull();
  });

  it('vouches only for bodies the DTO finds valid, and reads them as the DTO does', async () => {
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(anyBody, async (body) => {
        const fast = plainTransferRequest(asJson(body));
        if (fast === null) return;
        taken++;
        const slow = await throughDto(asJson(body));
        expect(slow.valid).toBe(true);
        expect(asJson(fast)).toEqual(asJson(slow.dto));
      }),
      { numRuns: 3000 },
    );
    // The generator reaches the fast path often enough for the property to mean something.
    expect(taken).toBeGreaterThan(20);
  });
});
