import { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import request from 'supertest';
import { AppConfig, connectRedis, secretsKey } from '@app/platform';
import { API_KEY, dropKeys, EDC_RESPONSE_CONTEXT, startApi, testConfig } from './support/harness';

const PATH = '/management/v3/secrets';

describe('the secrets API', () => {
  let config: AppConfig;
  let api: INestApplication;
  let redis: Redis;

  beforeAll(async () => {
    config = testConfig({ COUNTERPARTY_MODE: 'manual', EDC_VAULT_SECRETS: 'env-alias:env-value' });
    api = await startApi(config);
    redis = connectRedis(config.redisUrl);
  });

  afterAll(async () => {
    await api?.close();
    redis?.disconnect();
    await dropKeys(config);
  });

  const http = () => request(api.getHttpServer());
  const post = (body: object) => http().post(PATH).set('x-api-key', API_KEY).send(body);
  const secret = (id: string, value: string) => ({
    '@context': { '@vocab': 'https://w3id.org/edc/v0.0.1/ns/' },
    '@type': 'Secret',
    '@id': id,
    value,
  });

  it('creates, shows without its value, lists, updates and deletes a secret', async () => {
    const created = await post(secret('cb-key', 'first-value')).expect(200);
    expect(created.body).toEqual({
      '@context': EDC_RESPONSE_CONTEXT,
      '@type': 'IdResponse',
      '@id': 'cb-key',
      createdAt: expect.any(Number),
    });
    expect(await redis.hget(secretsKey(config), 'cb-key')).toBe('first-value');

    const shown = await http().get(`${PATH}/cb-key`).set('x-api-key', API_KEY).expect(200);
    expect(shown.body).toEqual({ '@context': EDC_RESPONSE_CONTEXT, '@type': 'Secret', '@id': 'cb-key' });
    expect(JSON.stringify(shown.body)).not.toContain('first-value');

    const listed = await http().get(PATH).set('x-api-key', API_KEY).expect(200);
    const ids = listed.body.map((s: { '@id': string }) => s['@id']);
    expect(ids).toEqual(expect.arrayContaining(['cb-key', 'env-alias']));
    expect(ids).toEqual([...ids].sort());
    for (const s of listed.body) expect(Object.keys(s).sort()).toEqual(['@context', '@id', '@type']);
    expect(JSON.stringify(listed.body)).not.toContain('first-value');
    expect(JSON.stringify(listed.body)).not.toContain('env-value');

    await http().put(PATH).set('x-api-key', API_KEY).send(secret('cb-key', 'second-value')).expect(204);
    expect(await redis.hget(secretsKey(config), 'cb-key')).toBe('second-value');
    await http().put(`${PATH}/cb-key`).set('x-api-key', API_KEY).send({ value: 'third-value' }).expect(204);
    expect(await redis.hget(secretsKey(config), 'cb-key')).toBe('third-value');

    await http().delete(`${PATH}/cb-key`).set('x-api-key', API_KEY).expect(204);
    expect(await redis.hexists(secretsKey(config), 'cb-key')).toBe(0);
    const gone = await http().get(`${PATH}/cb-key`).set('x-api-key', API_KEY).expect(404);
    expect(gone.body).toEqual([expect.objectContaining({ type: 'ObjectNotFound' })]);
    await http().delete(`${PATH}/cb-key`).set('x-api-key', API_KEY).expect(404);
  });

  it('finds a secret that only EDC_VAULT_SECRETS defines, without showing its value', async () => {
    const res = await http().get(`${PATH}/env-alias`).set('x-api-key', API_KEY).expect(200);
    expect(res.body).toEqual({ '@context': EDC_RESPONSE_CONTEXT, '@type': 'Secret', '@id': 'env-alias' });
    expect(JSON.stringify(res.body)).not.toContain('env-value');
  });

  it('answers 409 for an alias that exists, in Redis or in the environment, and keeps the first value', async () => {
    await post(secret('dup', 'original')).expect(200);
    const again = await post(secret('dup', 'intruder')).expect(409);
    expect(again.body).toEqual([expect.objectContaining({ type: 'ObjectConflict' })]);
    expect(JSON.stringify(again.body)).not.toContain('intruder');
    expect(await redis.hget(secretsKey(config), 'dup')).toBe('original');

    await post(secret('env-alias', 'other')).expect(409);
    expect(await redis.hexists(secretsKey(config), 'env-alias')).toBe(0);
  });

  it('lets exactly one of concurrent creates of one alias win', async () => {
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) => post(secret('raced', `value-${i}`)).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(7);
  });

  it('lists every problem of a bad body at once', async () => {
    const res = await post({}).expect(400);
    expect(res.body.map((e: { path: string }) => e.path).sort()).toEqual(['@id', 'value']);
    for (const error of res.body) expect(error).toMatchObject({ type: 'ValidationFailure', invalidValue: null });
    expect(res.body.map((e: { message: string }) => e.message).sort()).toEqual(['@id is required', 'value is required']);

    const blank = await post({ '@id': '  ', value: '   ' }).expect(400);
    expect(blank.body.map((e: { path: string }) => e.path).sort()).toEqual(['@id', 'value']);
  });

  it('never echoes a refused value in the error', async () => {
    const res = await post({ '@id': 'typed', value: 987654321 }).expect(400);
    expect(res.body).toEqual([expect.objectContaining({ path: 'value', type: 'ValidationFailure', invalidValue: null })]);
    expect(JSON.stringify(res.body)).not.toContain('987654321');
  });

  it('answers 404 to an update of an unknown secret, and stores nothing', async () => {
    await http().put(PATH).set('x-api-key', API_KEY).send(secret('nobody', 'x')).expect(404);
    const res = await http().put(`${PATH}/nobody`).set('x-api-key', API_KEY).send({ value: 'x' }).expect(404);
    expect(res.body).toEqual([expect.objectContaining({ type: 'ObjectNotFound' })]);
    expect(await redis.hexists(secretsKey(config), 'nobody')).toBe(0);
  });

  it('answers 400 when the body of PUT .../{id} names another secret', async () => {
    await post(secret('path-id', 'v1')).expect(200);
    const res = await http().put(`${PATH}/path-id`).set('x-api-key', API_KEY).send(secret('other-id', 'v2')).expect(400);
    expect(res.body).toEqual([expect.objectContaining({ path: '@id', type: 'ValidationFailure' })]);
    expect(await redis.hget(secretsKey(config), 'path-id')).toBe('v1');
    await http().put(`${PATH}/path-id`).set('x-api-key', API_KEY).send(secret('path-id', 'v3')).expect(204);
    expect(await redis.hget(secretsKey(config), 'path-id')).toBe('v3');
  });

  it('refuses to delete a secret only EDC_VAULT_SECRETS defines', async () => {
    const res = await http().delete(`${PATH}/env-alias`).set('x-api-key', API_KEY).expect(409);
    expect(res.body).toEqual([expect.objectContaining({ type: 'ObjectConflict', message: expect.stringContaining('EDC_VAULT_SECRETS') })]);
    await http().get(`${PATH}/env-alias`).set('x-api-key', API_KEY).expect(200);
  });

  it('rotates an environment secret into Redis, and deleting the override falls back to the environment', async () => {
    await http().put(`${PATH}/env-alias`).set('x-api-key', API_KEY).send({ value: 'rotated' }).expect(204);
    expect(await redis.hget(secretsKey(config), 'env-alias')).toBe('rotated');

    const listed = await http().get(PATH).set('x-api-key', API_KEY).expect(200);
    expect(listed.body.filter((s: { '@id': string }) => s['@id'] === 'env-alias')).toHaveLength(1);

    await http().delete(`${PATH}/env-alias`).set('x-api-key', API_KEY).expect(204);
    expect(await redis.hexists(secretsKey(config), 'env-alias')).toBe(0);
    await http().get(`${PATH}/env-alias`).set('x-api-key', API_KEY).expect(200);
    await http().delete(`${PATH}/env-alias`).set('x-api-key', API_KEY).expect(409);
  });

  it('answers 401 without the API key', async () => {
    const res = await http().get(PATH).expect(401);
    expect(res.body).toEqual([expect.objectContaining({ type: 'AuthenticationFailed' })]);
    await http().post(PATH).send(secret('no-key', 'v')).expect(401);
    expect(await redis.hexists(secretsKey(config), 'no-key')).toBe(0);
  });
});
