import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AppConfig } from '@app/platform';
import { API_KEY, dropKeys, startApi, testConfig } from './support/harness';

describe('Bull Board at /admin/queues', () => {
  let config: AppConfig;
  let api: INestApplication;

  beforeAll(async () => {
    config = testConfig({ COUNTERPARTY_MODE: 'manual' });
    api = await startApi(config);
  });

  afterAll(async () => {
    await api?.close();
    await dropKeys(config);
  });

  it('refuses a request without the key, asking a browser for basic auth', async () => {
    const res = await request(api.getHttpServer()).get('/admin/queues').expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic /);
    await request(api.getHttpServer()).get('/admin/queues/api/queues').auth('admin', 'wrong').expect(401);
  });

  it('serves the board with x-api-key or basic auth, listing every queue, the partitions of one grouped', async () => {
    await request(api.getHttpServer()).get('/admin/queues').set('x-api-key', API_KEY).expect(200);
    const res = await request(api.getHttpServer()).get('/admin/queues/api/queues').auth('anyone', API_KEY).expect(200);
    const queues = res.body.queues as { name: string; delimiter: string }[];
    const partitions = Array.from({ length: 16 }, (_, i) => `deliveries.p${String(i).padStart(2, '0')}`);
    expect(queues.map((q) => q.name).sort()).toEqual([...partitions, 'simulation']);
    // The board groups names on the delimiter: one "deliveries" entry, a line per partition.
    expect(queues.filter((q) => q.name.startsWith('deliveries.')).every((q) => q.delimiter === '.')).toBe(true);
  });
});
