import { bypassesProxy, readProxySettings } from './proxy-settings';

describe('NO_PROXY', () => {
  const direct = (entries: string, host: string, port = 443) => bypassesProxy(entries.split(','), host, port);

  it('matches a name, its subdomains and a leading-dot form, not a longer name', () => {
    expect(direct('example.com', 'example.com')).toBe(true);
    expect(direct('example.com', 'api.example.com')).toBe(true);
    expect(direct('.example.com', 'api.example.com')).toBe(true);
    expect(direct('.example.com', 'example.com')).toBe(true);
    expect(direct('*.example.com', 'a.example.com')).toBe(true);
    expect(direct('example.com', 'badexample.com')).toBe(false);
    expect(direct('EXAMPLE.com.', 'Api.Example.COM')).toBe(true);
  });

  it('matches every host with *', () => {
    expect(direct('*', 'anything.test')).toBe(true);
  });

  it('matches a port only when the entry names it', () => {
    expect(direct('example.com:8443', 'example.com', 8443)).toBe(true);
    expect(direct('example.com:8443', 'example.com', 443)).toBe(false);
    expect(direct('[::1]:8080', '[::1]', 8080)).toBe(true);
  });

  it('matches addresses and CIDRs against literal addresses only', () => {
    expect(direct('10.0.0.0/8', '10.1.2.3')).toBe(true);
    expect(direct('10.0.0.0/8', '11.1.2.3')).toBe(false);
    expect(direct('127.0.0.1', '127.0.0.1')).toBe(true);
    expect(direct('::1', '[::1]')).toBe(true);
    expect(direct('fd00::/8', '[fd12::1]')).toBe(true);
    expect(direct('10.0.0.0/8', 'ten.example')).toBe(false);
  });

  it('matches nothing when empty', () => {
    expect(bypassesProxy([], 'example.com', 443)).toBe(false);
  });
});

describe('proxy variables', () => {
  it('reads the lowercase name first, a bare host:port as http://, and NO_PROXY lists', () => {
    const { settings, problems } = readProxySettings({
      HTTPS_PROXY: 'http://upper:3128',
      https_proxy: 'http://lower:3128',
      HTTP_PROXY: 'proxy.corp:8080',
      NO_PROXY: 'a.example, 10.0.0.0/8',
    });
    expect(problems).toEqual([]);
    expect(settings.httpsProxy?.host).toBe('lower:3128');
    expect(settings.httpProxy?.href).toBe('http://proxy.corp:8080/');
    expect(settings.noProxy).toEqual(['a.example', '10.0.0.0/8']);
  });

  it('names the variable of an invalid proxy without echoing its value (it may hold a password)', () => {
    const { problems } = readProxySettings({ HTTPS_PROXY: 'socks5://user:s3cret@proxy:1080' });
    expect(problems).toHaveLength(1);
    expect(problems[0].variable).toBe('HTTPS_PROXY');
    expect(JSON.stringify(problems)).not.toContain('s3cret');
  });
});
