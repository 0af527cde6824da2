import { maskUrl } from './request-log';

describe('maskUrl', () => {
  it.each([
    ['/management/v3/transferprocesses', '/management/v3/transferprocesses'],
    ['/management/v3/transferprocesses?callbackURL=http://x.example/?token=1', '/management/v3/transferprocesses'],
    ['/cb/secret-state', '/cb/[state]'],
    ['/cb/secret-state?code=1', '/cb/[state]'],
    ['/cb/secret-state/more', '/cb/[state]/more'],
    ['/cbq/param?state=secret', '/cbq/param'],
    ['/', '/'],
  ])('%s is logged as %s', (url, logged) => {
    expect(maskUrl(url)).toBe(logged);
  });
});
