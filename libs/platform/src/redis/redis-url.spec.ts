import { parseRedisUrl } from './redis-url';

describe('REDIS_URL', () => {
  it('reads one Redis, with credentials, database and TLS', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({ cluster: false, options: { host: '127.0.0.1', port: 6379 } });
    expect(parseRedisUrl('rediss://u:p%40ss@redis.example/2')).toEqual({
      cluster: false,
      options: { host: 'redis.example', port: 6379, username: 'u', password: 'p@ss', db: 2, tls: {} },
    });
  });

  it('reads a Redis Cluster from its seed nodes', () => {
    expect(parseRedisUrl('redis+cluster://127.0.0.1:7100,127.0.0.1:7101,[::1]:7102')).toEqual({
      cluster: true,
      nodes: [
        { host: '127.0.0.1', port: 7100 },
        { host: '127.0.0.1', port: 7101 },
        { host: '::1', port: 7102 },
      ],
      options: {},
    });
    expect(parseRedisUrl('rediss+cluster://:secret@a.example:6379')).toEqual({
      cluster: true,
      nodes: [{ host: 'a.example', port: 6379 }],
      options: { password: 'secret', tls: {} },
    });
  });

  it('names what is wrong', () => {
    expect(() => parseRedisUrl('http://x')).toThrow(/redis:\/\/, rediss:\/\/ or redis\+cluster:\/\//);
    expect(() => parseRedisUrl('redis+cluster://a.example')).toThrow(/host:port/);
    expect(() => parseRedisUrl('redis+cluster://a.example:1/0')).toThrow(/no databases/);
    expect(() => parseRedisUrl('redis://x/abc')).toThrow(/not a number/);
  });
});
