import { exceedsDepth } from './body-parsing';

/** `depth` levels of objects (or arrays), a scalar at the bottom. */
const nested = (depth: number, array = false): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = array ? [value] : { child: value };
  return value;
};

describe('exceedsDepth', () => {
  it.each([
    ['scalars', 'text', 0, false],
    ['an empty object at the limit', {}, 1, false],
    ['objects at the limit', nested(64), 64, false],
    ['objects one past the limit', nested(65), 64, true],
    ['arrays at the limit', nested(64, true), 64, false],
    ['arrays one past the limit', nested(65, true), 64, true],
    ['a deep branch beside a shallow one', { a: 1, b: [nested(3)], c: { d: null } }, 5, false],
    ['a deep branch beside a shallow one, one level over', { a: 1, b: [nested(4)], c: { d: null } }, 5, true],
    ['an own __proto__ key', JSON.parse('{"__proto__": {"a": {"b": {}}}}'), 3, true],
  ])('%s', (_case, value, maxDepth, exceeds) => {
    expect(exceedsDepth(value, maxDepth)).toBe(exceeds);
  });

  it('walks 10,000 levels without overflowing the stack', () => {
    expect(exceedsDepth(nested(10_000, true), 64)).toBe(true);
  });
});
