import { payloadCallbackAddresses } from './payload-callback-addresses';

describe('payloadCallbackAddresses', () => {
  it('shows each address by its origin, without its auth fields, the same each time it is asked', () => {
    const addresses = [
      {
        uri: 'https://user:pw@receiver.example:8443/hooks/token?key=secret',
        events: ['transfer'],
        transactional: false,
        authKey: 'x-auth',
        authCodeId: 'alias',
      },
      { uri: 'http://127.0.0.1:9/cb', events: ['contract.negotiation'], transactional: true },
    ];
    const expected = [
      { uri: 'https://receiver.example:8443', events: ['transfer'], transactional: false },
      { uri: 'http://127.0.0.1:9', events: ['contract.negotiation'], transactional: true },
    ];
    expect(payloadCallbackAddresses(addresses)).toEqual(expected);
    expect(payloadCallbackAddresses(addresses)).toEqual(expected);
  });

  it('shows an address that is not a URL with an empty uri', () => {
    expect(payloadCallbackAddresses([{ uri: 'not a url', events: ['transfer'], transactional: false }])[0].uri).toBe('');
  });
});
