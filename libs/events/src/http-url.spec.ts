import { httpUrlProblem, MAX_URI_LENGTH } from './http-url';

describe('httpUrlProblem', () => {
  it.each([
    ['http://127.0.0.1:8080/cb', null],
    ['https://receiver.example/hooks?x=1', null],
    ['http://[::1]:9000/cb', null],
    ['ftp://receiver.example/cb', 'must be an absolute http or https URL'],
    ['/relative/path', 'must be an absolute http or https URL'],
    ['http://a..example/cb', 'must not have an empty label in its host name'],
    [`http://${'a'.repeat(64)}.example/cb`, 'must have host name labels of at most 63 characters'],
    [`http://${'a.'.repeat(127)}example/cb`, 'must have a host name of at most 253 characters'],
  ])('%s: %s', (uri, problem) => {
    // Asked twice: the second answer is the remembered one, and must be the same.
    expect(httpUrlProblem(uri)).toBe(problem);
    expect(httpUrlProblem(uri)).toBe(problem);
  });

  it('judges values that are not strings, and overlong ones, without remembering them', () => {
    expect(httpUrlProblem(42)).toBe('must be an absolute http or https URL');
    expect(httpUrlProblem(undefined)).toBe('must be an absolute http or https URL');
    expect(httpUrlProblem(`http://x.example/${'a'.repeat(MAX_URI_LENGTH)}`)).toBe(`must be at most ${MAX_URI_LENGTH} characters long`);
  });
});
