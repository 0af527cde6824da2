import { BoundedCache } from './bounded-cache';

describe('BoundedCache', () => {
  it('makes a value once per key and keeps at most its size, dropping the oldest', () => {
    const made: string[] = [];
    const cache = new BoundedCache<string, string>(2);
    const get = (key: string) => cache.get(key, (k) => (made.push(k), k.toUpperCase()));
    expect([get('a'), get('a'), get('b')]).toEqual(['A', 'A', 'B']);
    expect(made).toEqual(['a', 'b']);
    get('c'); // full: 'a' goes
    get('b');
    get('a');
    expect(made).toEqual(['a', 'b', 'c', 'a']);
  });
});
