import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

function configErrorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  const hook = { EDC_CALLBACK_X_URI: 'https://hooks.example/x', EDC_CALLBACK_X_EVENTS: 'transfer.process' };

  it('uses defaults when the environment is empty', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      apiPort: 8181,
      dispatcherPort: 8182,
      apiBodyLimit: '1mb',
      publicBaseUrl: 'http://localhost:8181',
      counterpartyMode: 'simulated',
      apiKeyGenerated: true,
      staticCallbacks: [],
      vaultSecrets: {},
      jsonLdDocuments: [],
      dispatch: { maxAttempts: 8, backoffMs: 1000, backoffMaxMs: 3_600_000, timeoutMs: 10_000, concurrency: 500 },
    });
    // DESIGN.md's 500 slots, with one endpoint held to a fifth and one host to a quarter of them,
    // so a slow or dead host never takes every slot.
    expect(config.dispatch).toMatchObject({ endpointConcurrency: 100, hostConcurrency: 125 });
    expect(config.apiKey).toMatch(/\S/);
    expect(loadConfig({}).apiKey).not.toBe(config.apiKey);
  });

  it('hands out inbound URLs on API_PORT when PUBLIC_BASE_URL is unset, and on PUBLIC_BASE_URL when it is set', () => {
    expect(loadConfig({ API_PORT: '18881' }).publicBaseUrl).toBe('http://localhost:18881');
    expect(loadConfig({ API_PORT: '18881', PUBLIC_BASE_URL: 'https://cb.example/' }).publicBaseUrl).toBe('https://cb.example');
  });

  it('uses MANAGEMENT_API_KEY when set', () => {
    const config = loadConfig({ MANAGEMENT_API_KEY: 'secret-key' });
    expect(config.apiKey).toBe('secret-key');
    expect(config.apiKeyGenerated).toBe(false);
  });

  it('reads a static callback from EDC_CALLBACK_<ID>_* variables', () => {
    const config = loadConfig({
      EDC_CALLBACK_MYHOOK_URI: 'https://hooks.example/cb',
      EDC_CALLBACK_MYHOOK_EVENTS: ' transfer.process.started , contract.negotiation ,',
      EDC_CALLBACK_MYHOOK_TRANSACTIONAL: 'true',
      EDC_CALLBACK_MYHOOK_AUTH_KEY: 'X-Api-Key',
      EDC_CALLBACK_MYHOOK_AUTH_CODEID: 'hook-secret',
    });
    expect(config.staticCallbacks).toEqual([
      {
        id: 'MYHOOK',
        uri: 'https://hooks.example/cb',
        events: ['transfer.process.started', 'contract.negotiation'],
        transactional: true,
        authKey: 'X-Api-Key',
        authCodeId: 'hook-secret',
      },
    ]);
  });

  it('accepts the older _AUTH_CODE_ID spelling', () => {
    const [callback] = loadConfig({ ...hook, EDC_CALLBACK_X_AUTH_KEY: 'X-Api-Key', EDC_CALLBACK_X_AUTH_CODE_ID: 'alias' }).staticCallbacks;
    expect(callback).toMatchObject({ id: 'X', authKey: 'X-Api-Key', authCodeId: 'alias', transactional: false });
  });

  it('reads an ordered static callback and its onFailure (default: no order, and continue once ordered)', () => {
    const env = (extra: NodeJS.ProcessEnv) => loadConfig({ ...hook, ...extra }).staticCallbacks[0];
    expect(env({})).not.toHaveProperty('ordered');
    expect(env({ EDC_CALLBACK_X_ORDERED: 'false' })).not.toHaveProperty('ordered');
    expect(env({ EDC_CALLBACK_X_ORDERED: 'TRUE' })).toMatchObject({ ordered: true });
    expect(env({ EDC_CALLBACK_X_ORDERED: 'true', EDC_CALLBACK_X_ON_FAILURE: 'hold' })).toMatchObject({ ordered: true, onFailure: 'hold' });
  });

  it('lists every problem of an ordered static callback at once', () => {
    expect(() =>
      loadConfig({
        ...hook,
        EDC_CALLBACK_X_ORDERED: 'yes',
        EDC_CALLBACK_X_ON_FAILURE: 'retry',
        EDC_CALLBACK_Y_URI: 'https://hooks.example/y',
        EDC_CALLBACK_Y_EVENTS: 'transfer',
        EDC_CALLBACK_Y_ON_FAILURE: 'hold',
        EDC_CALLBACK_Z_URI: 'https://hooks.example/z',
        EDC_CALLBACK_Z_EVENTS: 'transfer',
        EDC_CALLBACK_Z_ORDERED: 'true',
        EDC_CALLBACK_Z_TRANSACTIONAL: 'true',
      }),
    ).toThrow(
      /EDC_CALLBACK_X_ORDERED must be true or false.*EDC_CALLBACK_X_ON_FAILURE must be one of continue, hold.*EDC_CALLBACK_Y_ON_FAILURE applies only to an ordered callback \(EDC_CALLBACK_Y_ORDERED=true\).*EDC_CALLBACK_Z_ORDERED cannot be true for a transactional callback/s,
    );
  });

  it('keeps underscores inside the callback id', () => {
    const config = loadConfig({ EDC_CALLBACK_MY_HOOK_URI: 'http://hooks.example/', EDC_CALLBACK_MY_HOOK_EVENTS: 'transfer' });
    expect(config.staticCallbacks.map((c) => c.id)).toEqual(['MY_HOOK']);
  });

  it("reads EDC's property spelling as variable names", () => {
    const [callback] = loadConfig({
      'edc.callback.abc.uri': 'https://hooks.example/abc',
      'edc.callback.abc.events': 'contract.negotiation',
      'edc.callback.abc.auth.key': 'Authorization',
      'edc.callback.abc.auth-code-id': 'abc-token',
    }).staticCallbacks;
    expect(callback).toMatchObject({
      uri: 'https://hooks.example/abc',
      events: ['contract.negotiation'],
      authKey: 'Authorization',
      authCodeId: 'abc-token',
    });
  });

  it.each<[string, NodeJS.ProcessEnv, string]>([
    ['URI missing', { EDC_CALLBACK_X_EVENTS: 'transfer.process' }, 'EDC_CALLBACK_X_URI'],
    ['EVENTS missing', { EDC_CALLBACK_X_URI: 'https://hooks.example/x' }, 'EDC_CALLBACK_X_EVENTS'],
    ['URI not http(s)', { ...hook, EDC_CALLBACK_X_URI: 'ftp://hooks.example/x' }, 'EDC_CALLBACK_X_URI'],
    ['TRANSACTIONAL not a boolean', { ...hook, EDC_CALLBACK_X_TRANSACTIONAL: 'yes' }, 'EDC_CALLBACK_X_TRANSACTIONAL'],
    ['AUTH_KEY without AUTH_CODEID', { ...hook, EDC_CALLBACK_X_AUTH_KEY: 'X-Api-Key' }, 'EDC_CALLBACK_X_AUTH_CODEID'],
    ['non-numeric DISPATCH_MAX_ATTEMPTS', { DISPATCH_MAX_ATTEMPTS: 'abc' }, 'DISPATCH_MAX_ATTEMPTS'],
    ['zero DISPATCH_MAX_ATTEMPTS', { DISPATCH_MAX_ATTEMPTS: '0' }, 'DISPATCH_MAX_ATTEMPTS'],
    ['API_PORT out of range', { API_PORT: '70000' }, 'API_PORT'],
    ['unknown COUNTERPARTY_MODE', { COUNTERPARTY_MODE: 'auto' }, 'COUNTERPARTY_MODE'],
    ['REDIS_URL not redis://', { REDIS_URL: 'http://x' }, 'REDIS_URL'],
    ['malformed CALLBACK_SIGNING_SECRET', { CALLBACK_SIGNING_SECRET: 'nope' }, 'CALLBACK_SIGNING_SECRET'],
    ['bad CALLBACK_ALLOWED_HOSTS entry', { CALLBACK_ALLOWED_HOSTS: 'not/a/cidr' }, 'CALLBACK_ALLOWED_HOSTS'],
    [
      'DISPATCH_BACKOFF_MAX_MS below DISPATCH_BACKOFF_MS',
      { DISPATCH_BACKOFF_MS: '5000', DISPATCH_BACKOFF_MAX_MS: '1000' },
      'DISPATCH_BACKOFF_MAX_MS',
    ],
    ['unparseable API_BODY_LIMIT', { API_BODY_LIMIT: 'lots' }, 'API_BODY_LIMIT'],
  ])('rejects %s, naming %s', (_case, env, variable) => {
    const error = configErrorOf(env);
    expect(error.message).toContain(variable);
    expect(error.problems.map((p) => p.variable)).toEqual([variable]);
  });

  it('names every bad variable in one error', () => {
    const error = configErrorOf({ API_PORT: '70000', COUNTERPARTY_MODE: 'auto' });
    expect(error.problems.map((p) => p.variable).sort()).toEqual(['API_PORT', 'COUNTERPARTY_MODE']);
    expect(error.message).toContain('API_PORT');
    expect(error.message).toContain('COUNTERPARTY_MODE');
  });

  it('parses EDC_VAULT_SECRETS, splitting each pair at its first colon', () => {
    expect(loadConfig({ EDC_VAULT_SECRETS: 'a:1;b:x:y' }).vaultSecrets).toEqual({ a: '1', b: 'x:y' });
  });

  it('treats an empty _EVENTS as missing and an empty _TRANSACTIONAL as the default', () => {
    expect(() => loadConfig({ EDC_CALLBACK_X_URI: 'http://a.example', EDC_CALLBACK_X_EVENTS: ' ' })).toThrow(/EDC_CALLBACK_X_EVENTS/);
    const config = loadConfig({ EDC_CALLBACK_X_URI: 'http://a.example', EDC_CALLBACK_X_EVENTS: 'a', EDC_CALLBACK_X_TRANSACTIONAL: '' });
    expect(config.staticCallbacks[0].transactional).toBe(false);
  });
});
