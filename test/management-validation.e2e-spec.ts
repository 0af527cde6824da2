import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AppConfig } from '@app/platform';
import { API_KEY, dropKeys, startApi, testConfig, transferRequest } from './support/harness';

const PATH = '/management/v3/transferprocesses';

describe('the Management API refuses bad requests with EDC error arrays', () => {
  let config: AppConfig;
  let api: INestApplication;

  beforeAll(async () => {
    config = testConfig({ COUNTERPARTY_MODE: 'manual', API_BODY_LIMIT: '2kb', CALLBACK_ALLOWED_HOSTS: '' });
    api = await startApi(config);
  });

  afterAll(async () => {
    await api?.close();
    await dropKeys(config);
  });

  const post = (body: unknown) =>
    request(api.getHttpServer())
      .post(PATH)
      .set('x-api-key', API_KEY)
      .send(body as object);

  const expectEdcErrors = (body: unknown, type: string) => {
    expect(Array.isArray(body)).toBe(true);
    for (const error of body as object[]) {
      expect(Object.keys(error).sort()).toEqual(['invalidValue', 'message', 'path', 'type']);
      expect(error).toMatchObject({ message: expect.any(String), type });
    }
  };
  const paths = (body: { path: string }[]) => body.map((e) => e.path).sort();

  it('lists every missing required field at once', async () => {
    const res = await post({}).expect(400);
    expectEdcErrors(res.body, 'ValidationFailure');
    expect(paths(res.body)).toEqual(['contractId', 'counterPartyAddress', 'protocol', 'transferType']);
    expect(res.body.map((e: { message: string }) => e.message)).toContain('contractId is required');
  });

  it.each([
    [
      'a uri that is not http/https',
      { callbackAddresses: [{ uri: 'ftp://host/x', events: ['transfer.process'] }] },
      ['callbackAddresses[0].uri'],
    ],
    ['a relative uri', { callbackAddresses: [{ uri: '/relative', events: [] }] }, ['callbackAddresses[0].uri']],
    [
      'events that are an object',
      { callbackAddresses: [{ uri: 'https://cb.example/x', events: { a: 1 } }] },
      ['callbackAddresses[0].events'],
    ],
    ['events that are not strings', { callbackAddresses: [{ uri: 'https://cb.example/x', events: [1] }] }, ['callbackAddresses[0].events']],
    [
      'authKey without authCodeId',
      { callbackAddresses: [{ uri: 'https://cb.example/x', events: [], authKey: 'X-Key' }] },
      ['callbackAddresses[0].authCodeId'],
    ],
    [
      'transactional that is not a boolean',
      { callbackAddresses: [{ uri: 'https://cb.example/x', events: [], transactional: 'yes' }] },
      ['callbackAddresses[0].transactional'],
    ],
    [
      'one callback address without events (one object reads as a list of one)',
      { callbackAddresses: { uri: 'https://cb.example/x' } },
      ['callbackAddresses[0].events'],
    ],
    ['a shorthand callbackAddress that is not a URL', { callbackAddress: 'not a url' }, ['callbackAddress']],
    ['wrongly typed fields', { contractId: 42, protocol: ['x', 'y'] }, ['contractId', 'protocol']],
    ['a dataDestination without type', { dataDestination: { foo: 'bar' } }, ['dataDestination.type']],
  ])('400 for %s, naming the path', async (_case, extra, expected) => {
    const res = await post(transferRequest(extra)).expect(400);
    expectEdcErrors(res.body, 'ValidationFailure');
    expect(paths(res.body)).toEqual(expect.arrayContaining(expected));
    expect(new Set(paths(res.body))).toEqual(new Set(expected));
  });

  it('reports problems of several callback addresses and fields together', async () => {
    const res = await post({
      protocol: 'dataspace-protocol-http',
      callbackAddresses: [
        { uri: 'ftp://x', events: [1, 2] },
        { uri: 'https://ok.example', events: [], authKey: 'k' },
      ],
    }).expect(400);
    expect(paths(res.body)).toEqual(
      [
        'callbackAddresses[0].events',
        'callbackAddresses[0].uri',
        'callbackAddresses[1].authCodeId',
        'contractId',
        'counterPartyAddress',
        'transferType',
      ].sort(),
    );
  });

  it.each(['http://127.0.0.1:9/x', 'http://10.0.0.8/x', 'http://169.254.169.254/latest', 'http://[::1]/x', 'http://localhost/x'])(
    '400 for a callback to the private or loopback address %s',
    async (uri) => {
      const res = await post(transferRequest({ callbackAddresses: [{ uri, events: ['transfer.process'] }] })).expect(400);
      expectEdcErrors(res.body, 'ValidationFailure');
      expect(res.body[0].path).toBe('callbackAddresses[0].uri');
      expect(res.body[0].message).toContain('CALLBACK_ALLOWED_HOSTS');
    },
  );

  it('400 InvalidRequest for malformed JSON', async () => {
    const res = await request(api.getHttpServer())
      .post(PATH)
      .set('x-api-key', API_KEY)
      .set('content-type', 'application/json')
      .send('{"protocol": ')
      .expect(400);
    expectEdcErrors(res.body, 'InvalidRequest');
  });

  it.each([
    ['an array', []],
    ['a string', '"text"'],
    ['null', 'null'],
  ])('400 InvalidRequest for a body that is %s', async (_case, body) => {
    const res = await request(api.getHttpServer())
      .post(PATH)
      .set('x-api-key', API_KEY)
      .set('content-type', 'application/json')
      .send(typeof body === 'string' ? body : JSON.stringify(body))
      .expect(400);
    expect(res.body[0].type).toMatch(/InvalidRequest/);
  });

  it('413 for a body over API_BODY_LIMIT', async () => {
    const res = await post(transferRequest({ privateProperties: { blob: 'x'.repeat(4096) } })).expect(413);
    expectEdcErrors(res.body, 'InvalidRequest');
  });

  it.each([
    ['missing', undefined],
    ['wrong', 'not-the-key'],
  ])('401 AuthenticationFailed for a %s x-api-key, before reading the body', async (_case, key) => {
    const req = request(api.getHttpServer()).post(PATH);
    if (key) req.set('x-api-key', key);
    const res = await req.send(transferRequest()).expect(401);
    expectEdcErrors(res.body, 'AuthenticationFailed');
    // Unknown routes under /management are refused the same way, not revealed by a 404.
    await request(api.getHttpServer()).get('/management/v3/nothing-here').expect(401);
  });

  it('404 ObjectNotFound for an unknown transfer', async () => {
    for (const path of [`${PATH}/unknown-id`, `${PATH}/unknown-id/state`]) {
      const res = await request(api.getHttpServer()).get(path).set('x-api-key', API_KEY).expect(404);
      expectEdcErrors(res.body, 'ObjectNotFound');
    }
  });

  it('409 ObjectConflict when a transfer with the same @id exists', async () => {
    await post(transferRequest({ '@id': 'fixed-id' })).expect(200);
    const res = await post(transferRequest({ '@id': 'fixed-id' })).expect(409);
    expectEdcErrors(res.body, 'ObjectConflict');
  });

  it('accepts a valid request', async () => {
    const res = await post(
      transferRequest({ callbackAddresses: [{ uri: 'https://cb.example/hook', events: ['transfer.process'] }] }),
    ).expect(200);
    expect(res.body['@id']).toEqual(expect.any(String));
  });
});
