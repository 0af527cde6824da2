import { INestApplication } from '@nestjs/common';
import { AppConfig } from '@app/platform';
import { MAX_OBJECT_ID_LENGTH } from '../apps/api/src/http/object-id';
import { apiClient, dropKeys, startApi, testConfig, transferRequest } from './support/harness';

/**
 * Issue 20, finding 7: the id a client gives an object is the id it gets back, and an id too
 * long to be named in a URL is refused (a 100,000-character id was accepted, then every GET by
 * it answered 431; JSON-LD turned "" into "./" and "../../etc/passwd" into "etc/passwd").
 */

const CN = '/management/v3/contractnegotiations';
const TP = '/management/v3/transferprocesses';

const negotiation = (id: string) => ({
  '@context': { '@vocab': 'https://w3id.org/edc/v0.0.1/ns/' },
  '@type': 'ContractRequest',
  '@id': id,
  counterPartyAddress: 'http://provider.example/api/dsp',
  protocol: 'dataspace-protocol-http',
  policy: { '@type': 'odrl:Offer', '@id': 'offer-1', assigner: 'provider-1', target: 'asset-1' },
});

describe('client ids (issue 20)', () => {
  let config: AppConfig;
  let api: INestApplication;
  const { get, post } = apiClient(() => api);

  beforeAll(async () => {
    config = testConfig({ COUNTERPARTY_MODE: 'manual' });
    api = await startApi(config);
  });

  afterAll(async () => {
    await api?.close();
    if (config) await dropKeys(config);
  });

  it.each([
    ['a relative path', '../../etc/passwd'],
    ['a dot segment', './x'],
    ['a fragment', '#frag'],
    ['a query', '?q=1'],
    ['an absolute path', '/abs/id'],
  ])('keeps %s as the id: answered, read and listed as given', async (_what, id) => {
    const created = await post(CN, negotiation(id));
    expect(created.status).toBe(200);
    expect(created.body['@id']).toBe(id);
    const read = await get(`${CN}/${encodeURIComponent(id)}`);
    expect(read.status).toBe(200);
    expect(read.body['@id']).toBe(id);
    const listed = await post(`${CN}/request`, { filterExpression: [{ operandLeft: 'id', operator: '=', operandRight: id }] });
    expect(listed.body.map((n: { '@id': string }) => n['@id'])).toEqual([id]);
  });

  it('keeps a transfer id as given too', async () => {
    const created = await post(TP, transferRequest({ '@id': '../t-1' }));
    expect(created.status).toBe(200);
    expect(created.body['@id']).toBe('../t-1');
    expect((await get(`${TP}/${encodeURIComponent('../t-1')}`)).body['@id']).toBe('../t-1');
  });

  it('refuses an empty id with a 400 (an id names something)', async () => {
    const res = await post(CN, negotiation(''));
    expect(res.status).toBe(400);
    expect(res.body).toEqual([expect.objectContaining({ type: 'ValidationFailure', path: '@id' })]);
  });

  it(`takes an id of ${MAX_OBJECT_ID_LENGTH} characters, readable by its URL, and refuses one longer with a 400 naming the limit`, async () => {
    const longest = 'x'.repeat(MAX_OBJECT_ID_LENGTH - 4) + '/../';
    const created = await post(CN, negotiation(longest));
    expect(created.status).toBe(200);
    expect((await get(`${CN}/${encodeURIComponent(longest)}/state`)).status).toBe(200);

    for (const [path, body] of [
      [CN, negotiation('x'.repeat(MAX_OBJECT_ID_LENGTH + 1))],
      [CN, negotiation('x'.repeat(100_000))],
      [TP, transferRequest({ '@id': 'y'.repeat(MAX_OBJECT_ID_LENGTH + 1) })],
      ['/management/v3/secrets', { '@id': 'z'.repeat(MAX_OBJECT_ID_LENGTH + 1), value: 'v' }],
    ] as const) {
      const res = await post(path, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual([
        expect.objectContaining({
          type: 'ValidationFailure',
          path: '@id',
          message: expect.stringContaining(`at most ${MAX_OBJECT_ID_LENGTH}`),
        }),
      ]);
    }
  });
});
