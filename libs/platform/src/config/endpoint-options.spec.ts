import { ConfigError } from './config-error';
import { loadConfig, parseDuration } from './load-config';

/** The options static callbacks share with registered endpoints, and the endpoint durations. */
describe('endpoint options at start-up', () => {
  const hook = { EDC_CALLBACK_X_URI: 'https://hooks.example/x', EDC_CALLBACK_X_EVENTS: 'transfer.process' };
  const problemsOf = (env: Record<string, string>): Record<string, string> => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return Object.fromEntries((err as ConfigError).problems.map((p) => [p.variable, p.reason]));
    }
    return {};
  };

  it("reads a static callback's rate limit, OAuth2 grant, certificates and description", () => {
    const [cb] = loadConfig({
      ...hook,
      EDC_CALLBACK_X_RATE_LIMIT: '20',
      EDC_CALLBACK_X_OAUTH2_TOKEN_URL: 'https://login.example/token',
      EDC_CALLBACK_X_OAUTH2_CLIENT_ID: 'edc',
      EDC_CALLBACK_X_OAUTH2_CLIENT_SECRET_ALIAS: 'edc-secret',
      EDC_CALLBACK_X_OAUTH2_SCOPE: 'events:write',
      EDC_CALLBACK_X_CLIENT_CERTIFICATE_ALIAS: 'cert',
      EDC_CALLBACK_X_CA_CERTIFICATE_ALIAS: 'ca',
      EDC_CALLBACK_X_DESCRIPTION: 'audit',
    }).staticCallbacks;
    expect(cb).toMatchObject({
      id: 'X',
      rateLimit: 20,
      oauth2: { tokenUrl: 'https://login.example/token', clientId: 'edc', clientSecretAlias: 'edc-secret', scope: 'events:write' },
      clientCertificateAlias: 'cert',
      caCertificateAlias: 'ca',
      description: 'audit',
    });
    expect(cb.oauth2).not.toHaveProperty('audience');
  });

  it('names every variable at fault', () => {
    expect(
      problemsOf({
        ...hook,
        EDC_CALLBACK_X_RATE_LIMIT: '0',
        EDC_CALLBACK_X_OAUTH2_TOKEN_URL: 'http://169.254.169.254/token',
        EDC_CALLBACK_X_OAUTH2_SCOPE: 'a',
        ENDPOINT_DISABLE_AFTER: 'soon',
      }),
    ).toEqual({
      EDC_CALLBACK_X_RATE_LIMIT: expect.stringContaining('integer from 1'),
      EDC_CALLBACK_X_OAUTH2_TOKEN_URL: expect.stringContaining('169.254.169.254'),
      EDC_CALLBACK_X_OAUTH2_CLIENT_ID: expect.stringContaining('required'),
      EDC_CALLBACK_X_OAUTH2_CLIENT_SECRET_ALIAS: expect.stringContaining('required'),
      ENDPOINT_DISABLE_AFTER: expect.stringContaining('duration'),
    });
  });

  it('reads durations with units, and ENDPOINT_DISABLE_AFTER defaults to 5 days', () => {
    expect([
      parseDuration('5d'),
      parseDuration('12h'),
      parseDuration('30m'),
      parseDuration('10s'),
      parseDuration('500ms'),
      parseDuration('250'),
    ]).toEqual([432_000_000, 43_200_000, 1_800_000, 10_000, 500, 250]);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('-1s')).toBeUndefined();
    expect(parseDuration('5 days')).toBeUndefined();
    expect(loadConfig({}).endpoints).toEqual({ disableAfterMs: 432_000_000, disabledRecheckMs: 30_000, pollMs: 250 });
    expect(loadConfig({ ENDPOINT_DISABLE_AFTER: '2s' }).endpoints.disableAfterMs).toBe(2000);
  });
});
