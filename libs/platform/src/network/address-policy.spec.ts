import { AddressPolicy } from './address-policy';

describe('AddressPolicy', () => {
  const byDefault = new AddressPolicy([]);

  it.each([
    ['http://127.0.0.1/'],
    ['http://10.1.2.3/'],
    ['http://172.16.0.1/'],
    ['http://192.168.1.1/'],
    ['http://169.254.169.254/latest/meta-data'],
    ['http://[::1]/'],
    ['http://[::ffff:127.0.0.1]/'],
    ['http://100.64.0.1/'],
    ['http://0.0.0.0/'],
    ['http://224.0.0.1/'],
    ['http://[fe80::1]/'],
    ['http://[fd00::1]/'],
    ['http://localhost:8080/'],
    ['http://2130706433/'],
    ['http://[::127.0.0.1]/'],
  ])('refuses %s by default', (uri) => {
    const refusal = byDefault.refusalForUri(uri);
    expect(typeof refusal).toBe('string');
    expect(refusal).not.toBe('');
  });

  it.each([['https://93.184.216.34/'], ['https://example.com/'], ['http://[2606:4700::1]/']])('allows %s by default', (uri) => {
    expect(byDefault.refusalForUri(uri)).toBeNull();
  });

  it.each([
    [['127.0.0.1'], 'http://127.0.0.1/', true],
    [['127.0.0.1'], 'http://127.0.0.2/', false],
    [['10.0.0.0/8'], 'http://10.9.9.9/', true],
    [['10.0.0.0/8'], 'http://11.0.0.1/', true],
    [['10.0.0.0/8'], 'http://192.168.0.1/', false],
    [['localhost'], 'http://localhost/', true],
  ])('with allow list %j, %s allowed: %p', (allowed, uri, expected) => {
    expect(new AddressPolicy(allowed).refusalForUri(uri) === null).toBe(expected);
  });

  it.each([
    [[], 'evil.example', '127.0.0.1', false],
    [[], 'evil.example', '8.8.8.8', true],
    [[], 'evil.example', '::ffff:10.0.0.1', false],
    [['internal.example'], 'internal.example', '10.0.0.5', true],
    [['internal.example'], 'other.example', '10.0.0.5', false],
  ])('with allow list %j, %s resolving to %s allowed: %p', (allowed, host, address, expected) => {
    expect(new AddressPolicy(allowed).refusalFor(host, address) === null).toBe(expected);
  });

  it('refuses an address that is not an IP', () => {
    expect(byDefault.refusalFor('evil.example', 'not-an-ip')).not.toBeNull();
  });

  it('ignores a trailing dot in an allow-list host', () => {
    expect(new AddressPolicy(['internal.example.']).refusalFor('internal.example', '10.0.0.5')).toBeNull();
  });
});
