import { maskUri } from './uri-mask';

describe('maskUri', () => {
  it.each([
    ['https://hooks.example/transfers', 'https://hooks.example/transfers'],
    ['https://user:pa55@hooks.example:8443/x', 'https://***@hooks.example:8443/x'],
    ['https://hooks.example/t?token=s3cret&tenant=acme', 'https://hooks.example/t?token=***&tenant=acme'],
    ['https://hooks.example/t?api_key=a&X-Amz-Signature=b&sig=c', 'https://hooks.example/t?api_key=***&X-Amz-Signature=***&sig=***'],
    [
      'https://hooks.slack.com/services/T0ABCDEF1/B0GHIJKL2/abcdEFGH1234ijklMNOP5678',
      'https://hooks.slack.com/services/T0ABCDEF1/B0GHIJKL2/***',
    ],
    ['https://hooks.example/token/short1/events', 'https://hooks.example/token/***/events'],
    ['https://hooks.example/t?id=0123456789abcdef0123', 'https://hooks.example/t?id=***'],
    ['not a uri', '***'],
  ])('%s reads %s', (uri, masked) => expect(maskUri(uri)).toBe(masked));
});
