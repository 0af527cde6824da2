import { keyComparison } from './api-key.hook';

describe('keyComparison', () => {
  const isKey = keyComparison('s3cret-kéy');

  it('accepts the key itself', () => {
    expect(isKey('s3cret-kéy')).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['a prefix', 's3cret-k'],
    ['the key and more', 's3cret-kéy!'],
    ['same length, one byte off', 's3cret-kéz'],
    ['same bytes long, other characters', 's3cret-keyy'],
    ['another case', 'S3CRET-KÉY'],
  ])('refuses %s', (_what, given) => {
    expect(isKey(given)).toBe(false);
  });
});
