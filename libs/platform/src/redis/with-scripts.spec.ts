import Redis from 'ioredis';
import { withScripts } from './with-scripts';

describe('withScripts', () => {
  // Never connects: defining a command asks nothing of Redis.
  const redis = new Redis({ lazyConnect: true });
  afterAll(() => redis.disconnect());

  it('makes each script a command of the connection', () => {
    const scripted = withScripts<{ cbOne(key: string): Promise<number> }>(redis, { cbOne: { numberOfKeys: 1, lua: 'return 1' } });
    expect(typeof scripted.cbOne).toBe('function');
  });

  it('lets a second store register the same script, and refuses another script under the same name', () => {
    expect(() => withScripts(redis, { cbOne: { numberOfKeys: 1, lua: 'return 1' } })).not.toThrow();
    expect(() => withScripts(redis, { cbOne: { lua: 'return 2' } })).toThrow('Two different Redis scripts are named cbOne');
  });
});
