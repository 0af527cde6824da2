import { randomBytes } from 'node:crypto';
import { AppConfig, DispatchConfig } from './app-config';
import { ConfigError } from './config-error';
import { EnvReader } from './env-reader';
import { parseJsonLdDocuments } from './json-ld-documents';
import { parseStaticCallbacks, WHSEC } from './static-callbacks';
import { parseAllowList } from '../network/allow-list';
import { readProxySettings } from '../network/proxy-settings';
import { parseRedisUrl } from '../redis/redis-url';

export { parseDuration } from './env-reader';

/**
 * Reads and validates the whole configuration at once, one section after the other. Every
 * problem is collected, so one start-up names all the variables at fault; an invalid value never
 * falls back to a default.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const vars = new EnvReader(env);
  const [redis, api, logging, security] = [readRedis(vars), readApi(vars), readLogging(vars), readSecurity(vars)];
  const config: AppConfig = {
    ...redis,
    ...api,
    ...logging,
    ...security,
    dispatcherPort: vars.int('DISPATCHER_PORT', 8182, 0, 65535),
    shutdownGraceMs: vars.int('SHUTDOWN_GRACE_MS', 30_000, 100, 600_000),
    deliveryLogRetentionMs: vars.int('DELIVERY_LOG_RETENTION_MS', 7 * 24 * 3600 * 1000, 1000, 365 * 24 * 3600 * 1000),
    dispatch: readDispatch(vars),
    endpoints: {
      disableAfterMs: vars.duration('ENDPOINT_DISABLE_AFTER', 5 * 24 * 3600 * 1000, 1000),
      disabledRecheckMs: vars.duration('ENDPOINT_DISABLED_RECHECK', 30_000, 100),
      pollMs: vars.duration('ENDPOINT_POLL_INTERVAL', 250, 10),
    },
    staticCallbacks: parseStaticCallbacks(env, vars.problems, security.allowedHosts),
    jsonLdDocuments: parseJsonLdDocuments(env, vars.problems),
  };
  if (vars.problems.length > 0) throw new ConfigError(vars.problems);
  return config;
}

function readRedis(vars: EnvReader): Pick<AppConfig, 'redisUrl' | 'redisPrefix' | 'redisPartitions'> {
  const redisUrl = vars.text('REDIS_URL') ?? 'redis://127.0.0.1:6379';
  try {
    parseRedisUrl(redisUrl);
  } catch (err) {
    vars.problem('REDIS_URL', (err as Error).message);
  }
  const redisPrefix = vars.text('REDIS_PREFIX') ?? 'cbsvc';
  if (!/^[A-Za-z0-9_-]+$/.test(redisPrefix)) vars.problem('REDIS_PREFIX', 'may hold only letters, digits, "_" and "-"');
  return { redisUrl, redisPrefix, redisPartitions: vars.int('REDIS_PARTITIONS', 16, 1, 128) };
}

/** The Management API, its objects and the inbound callbacks it hands out. */
function readApi(vars: EnvReader) {
  const apiBodyLimit = vars.text('API_BODY_LIMIT') ?? '1mb';
  if (!/^\d+(b|kb|mb)?$/i.test(apiBodyLimit))
    vars.problem('API_BODY_LIMIT', `must be a size such as 1mb, 512kb or 100000, got "${apiBodyLimit}"`);
  // Unset, it follows API_PORT: with API_PORT=18881 the inbound URLs handed out pointed at :8181 (issue 21).
  const apiPort = vars.int('API_PORT', 8181, 0, 65535);
  const apiKey = vars.text('MANAGEMENT_API_KEY');
  return {
    apiPort,
    apiKey: apiKey ?? randomBytes(24).toString('base64url'),
    apiKeyGenerated: apiKey === undefined,
    apiBodyLimit,
    participantId: vars.text('EDC_PARTICIPANT_ID') ?? 'consumer',
    publicBaseUrl: vars.url('PUBLIC_BASE_URL', `http://localhost:${apiPort || 8181}`, ['http:', 'https:']).replace(/\/+$/, ''),
    counterpartyMode: vars.oneOf('COUNTERPARTY_MODE', 'simulated', ['simulated', 'manual'] as const),
    simulationStepMs: vars.int('SIMULATION_STEP_MS', 1000, 0, 3_600_000),
    eventMaxBytes: vars.int('EVENT_MAX_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
    queryMaxScanned: vars.int('QUERY_MAX_SCANNED', 25_000, 100, 10_000_000),
    inboundLimits: {
      callsPerMinute: vars.int('INBOUND_MAX_CALLS_PER_MINUTE', 60, 1, 1_000_000),
      callsPerDay: vars.int('INBOUND_MAX_CALLS_PER_DAY', 1000, 1, 100_000_000),
      bytesPerDay: vars.int('INBOUND_MAX_BYTES_PER_DAY', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    },
  };
}

function readLogging(vars: EnvReader): Pick<AppConfig, 'logLevel' | 'logFormat' | 'callbackRedactHeaders'> {
  return {
    logLevel: vars.oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    logFormat: vars.oneOf('LOG_FORMAT', 'json', ['json', 'pretty'] as const),
    callbackRedactHeaders: vars
      .list('CALLBACK_REDACT_HEADERS', /,/, 'authorization,cookie,proxy-authorization,x-api-key')
      .map((header) => header.trim().toLowerCase()),
  };
}

/** Signing, the address policy, egress, secrets and the tracing collector. */
function readSecurity(vars: EnvReader): Pick<AppConfig, 'signingSecrets' | 'allowedHosts' | 'proxy' | 'vaultSecrets'> {
  const signingSecrets = vars.list('CALLBACK_SIGNING_SECRET', /\s+/);
  if (signingSecrets.some((secret) => !WHSEC.test(secret)))
    vars.problem('CALLBACK_SIGNING_SECRET', 'must hold whsec_<base64> secrets separated by spaces');

  const allowedHosts = vars.list('CALLBACK_ALLOWED_HOSTS', /[\s,]+/);
  const allowListProblem = parseAllowList(allowedHosts).problem;
  if (allowListProblem) vars.problem('CALLBACK_ALLOWED_HOSTS', allowListProblem);

  for (const name of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) {
    const raw = vars.text(name);
    if (raw !== undefined && !/^https?:\/\/[^\s]+$/.test(raw))
      vars.problem(name, `must be an http:// or https:// URL (the OTLP/HTTP collector), got "${raw}"`);
  }

  const proxy = readProxySettings(vars.env);
  vars.problems.push(...proxy.problems);

  const vaultSecrets: Record<string, string> = {};
  for (const pair of vars.list('EDC_VAULT_SECRETS', /;/)) {
    const at = pair.indexOf(':');
    if (at <= 0) vars.problem('EDC_VAULT_SECRETS', 'must be alias:value pairs separated by ";"');
    else vaultSecrets[pair.slice(0, at).trim()] = pair.slice(at + 1);
  }
  return { signingSecrets, allowedHosts, proxy: proxy.settings, vaultSecrets };
}

/** The retry schedule, the timeouts and the shares of `DISPATCH_CONCURRENCY` (docs/delivery.md). */
function readDispatch(vars: EnvReader): DispatchConfig {
  const backoffMs = vars.int('DISPATCH_BACKOFF_MS', 1000, 1);
  const backoffMaxMs = vars.int('DISPATCH_BACKOFF_MAX_MS', 3_600_000, 1);
  if (backoffMaxMs < backoffMs) vars.problem('DISPATCH_BACKOFF_MAX_MS', 'must not be below DISPATCH_BACKOFF_MS');
  const concurrency = vars.int('DISPATCH_CONCURRENCY', 500, 1, 10_000);
  const endpointConcurrency = vars.int('DISPATCH_ENDPOINT_CONCURRENCY', Math.max(1, Math.floor(concurrency / 5)), 1, 10_000);
  // A host's share: a quarter of the slots, with room for one URI more than a single one takes.
  const hostShare = Math.min(concurrency, Math.max(endpointConcurrency + 1, Math.ceil(concurrency / 4)));
  return {
    maxAttempts: vars.int('DISPATCH_MAX_ATTEMPTS', 8, 1, 100),
    backoffMs,
    backoffMaxMs,
    timeoutMs: vars.int('DISPATCH_TIMEOUT_MS', 10_000, 1, 600_000),
    concurrency,
    lockDurationMs: vars.int('DISPATCH_LOCK_DURATION_MS', 30_000, 1000, 600_000),
    endpointConcurrency,
    hostConcurrency: vars.int('DISPATCH_HOST_CONCURRENCY', hostShare, 1, 10_000),
    circuitFailureThreshold: vars.int('CIRCUIT_FAILURE_THRESHOLD', 5, 1, 1000),
    circuitOpenMs: vars.int('CIRCUIT_OPEN_MS', 30_000, 100, 3_600_000),
  };
}
