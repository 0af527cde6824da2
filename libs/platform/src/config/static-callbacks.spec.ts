import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

/**
 * Static callbacks follow the rules of a callback address in a request (issue 10, items 12 and
 * 16): an invalid one stops start-up with a message naming the variable.
 */
describe('static callbacks at start-up', () => {
  const hook = { EDC_CALLBACK_X_URI: 'https://hooks.example/x', EDC_CALLBACK_X_EVENTS: 'transfer.process' };

  /** The problems loadConfig reports for `env`, as variable → reason. */
  const problemsOf = (env: Record<string, string>): Record<string, string> => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return Object.fromEntries((err as ConfigError).problems.map((p) => [p.variable, p.reason]));
    }
    return {};
  };

  describe('EDC_CALLBACK_<ID>_AUTH_KEY', () => {
    it.each([
      'Host',
      'Content-Length',
      'transfer-encoding',
      'Connection',
      'Keep-Alive',
      'Upgrade',
      'TE',
      'Trailer',
      'Proxy-Authorization',
      'Content-Type',
      'webhook-signature',
      'Webhook-Id',
      'x-event-sequence',
      'X Key',
      'X-Key\r\nInjected: 1',
      'Schlüssel',
    ])('stops start-up for %j, naming the variable', (authKey) => {
      const problems = problemsOf({ ...hook, EDC_CALLBACK_X_AUTH_KEY: authKey, EDC_CALLBACK_X_AUTH_CODEID: 'alias' });
      expect(Object.keys(problems)).toEqual(['EDC_CALLBACK_X_AUTH_KEY']);
      expect(() => loadConfig({ ...hook, EDC_CALLBACK_X_AUTH_KEY: authKey, EDC_CALLBACK_X_AUTH_CODEID: 'alias' })).toThrow(
        /EDC_CALLBACK_X_AUTH_KEY must/,
      );
    });

    it("names the variable as it was spelt (EDC's property form)", () => {
      const problems = problemsOf({
        'edc.callback.y.uri': 'https://hooks.example/y',
        'edc.callback.y.events': 'transfer',
        'edc.callback.y.auth.key': 'Host',
        'edc.callback.y.auth.codeid': 'a',
      });
      expect(Object.keys(problems)).toEqual(['edc.callback.y.auth.key']);
    });

    it('accepts a header token', () => {
      const [callback] = loadConfig({
        ...hook,
        EDC_CALLBACK_X_AUTH_KEY: "X-Api-Key_2!#$%&'*+.^`|~",
        EDC_CALLBACK_X_AUTH_CODEID: 'alias',
      }).staticCallbacks;
      expect(callback.authKey).toBe("X-Api-Key_2!#$%&'*+.^`|~");
    });
  });

  describe('EDC_CALLBACK_<ID>_AUTH_CODEID', () => {
    it.each(['__proto__', 'constructor', 'prototype', 'a\u0007b', 'x'.repeat(257)])(
      'stops start-up for %j, naming the variable',
      (alias) => {
        expect(Object.keys(problemsOf({ ...hook, EDC_CALLBACK_X_AUTH_CODEID: alias }))).toEqual(['EDC_CALLBACK_X_AUTH_CODEID']);
        expect(Object.keys(problemsOf({ ...hook, EDC_CALLBACK_X_AUTH_KEY: 'X-Key', EDC_CALLBACK_X_AUTH_CODE_ID: alias }))).toEqual([
          'EDC_CALLBACK_X_AUTH_CODE_ID',
        ]);
      },
    );
  });

  describe('EDC_CALLBACK_<ID>_URI to a literal private or loopback address', () => {
    it.each([
      'http://127.0.0.1:9/x',
      'http://localhost:9/x',
      'http://[::1]:9/x',
      'http://[::ffff:127.0.0.1]/x',
      'http://10.1.2.3/x',
      'http://192.168.0.1/x',
      'http://169.254.169.254/latest',
      'http://0.0.0.0/x',
    ])('stops start-up for %s unless CALLBACK_ALLOWED_HOSTS lists it', (uri) => {
      const problems = problemsOf({ ...hook, EDC_CALLBACK_X_URI: uri });
      expect(Object.keys(problems)).toEqual(['EDC_CALLBACK_X_URI']);
      expect(problems.EDC_CALLBACK_X_URI).toContain('CALLBACK_ALLOWED_HOSTS');
      expect(() => loadConfig({ ...hook, EDC_CALLBACK_X_URI: uri })).toThrow(/EDC_CALLBACK_X_URI .*CALLBACK_ALLOWED_HOSTS/);

      const allowed = loadConfig({ ...hook, EDC_CALLBACK_X_URI: uri, CALLBACK_ALLOWED_HOSTS: '0.0.0.0/0,::/0' });
      expect(allowed.staticCallbacks.map((c) => c.uri)).toEqual([uri]);
    });

    it('takes the allow list as requests do: a host, an address or a range', () => {
      expect(
        loadConfig({ ...hook, EDC_CALLBACK_X_URI: 'http://127.0.0.1:9/x', CALLBACK_ALLOWED_HOSTS: '127.0.0.1' }).staticCallbacks,
      ).toHaveLength(1);
      expect(
        loadConfig({ ...hook, EDC_CALLBACK_X_URI: 'http://localhost:9/x', CALLBACK_ALLOWED_HOSTS: 'localhost' }).staticCallbacks,
      ).toHaveLength(1);
      expect(
        loadConfig({ ...hook, EDC_CALLBACK_X_URI: 'http://10.9.8.7/x', CALLBACK_ALLOWED_HOSTS: '10.0.0.0/8' }).staticCallbacks,
      ).toHaveLength(1);
      expect(Object.keys(problemsOf({ ...hook, EDC_CALLBACK_X_URI: 'http://10.9.8.7/x', CALLBACK_ALLOWED_HOSTS: '10.9.8.6' }))).toEqual([
        'EDC_CALLBACK_X_URI',
      ]);
    });

    it('leaves a name to the check after DNS, at delivery', () => {
      expect(loadConfig({ ...hook, EDC_CALLBACK_X_URI: 'http://internal.example:8080/x' }).staticCallbacks).toHaveLength(1);
    });
  });

  describe('lengths', () => {
    it.each([
      [
        'a 254-character host name',
        `https://${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}/x`,
        /at most 253 characters/,
      ],
      ['a 64-character label', `https://${'a'.repeat(64)}.example/x`, /labels of at most 63/],
      ['a 2,049-character URI', `https://hooks.example/${'p'.repeat(2049 - 22)}`, /at most 2048 characters/],
    ])('stops start-up for %s', (_case, uri, reason) => {
      const problems = problemsOf({ ...hook, EDC_CALLBACK_X_URI: uri });
      expect(Object.keys(problems)).toEqual(['EDC_CALLBACK_X_URI']);
      expect(problems.EDC_CALLBACK_X_URI).toMatch(reason);
    });

    it('stops start-up for more than 32 event filters, or one longer than 128 characters', () => {
      const many = Array.from({ length: 33 }, (_, i) => `transfer.process.${i}`).join(',');
      expect(problemsOf({ ...hook, EDC_CALLBACK_X_EVENTS: many }).EDC_CALLBACK_X_EVENTS).toMatch(/at most 32 filters/);
      expect(problemsOf({ ...hook, EDC_CALLBACK_X_EVENTS: 'x'.repeat(129) }).EDC_CALLBACK_X_EVENTS).toMatch(/at most 128 characters/);
    });
  });
});
