import { randomBytes } from 'node:crypto';
import { AppConfig, CounterpartyMode } from './app-config';
import { ConfigError } from './config-error';
import { parseJsonLdDocuments } from './json-ld-documents';
import { parseStaticCallbacks, WHSEC } from './static-callbacks';
import { parseAllowList } from '../network/allow-list';
import { readProxySettings } from '../network/proxy-settings';
import { parseRedisUrl } from '../redis/redis-url';

type Problem = { variable: string; reason: string };

/**
 * Reads and validates the whole configuration at once. Every problem is collected, so one
 * start-up names all the variables at fault; an invalid value never falls back to a default.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: Problem[] = [];
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push({ variable: name, reason: `must be an integer from ${min} to ${max}, got "${raw}"` });
      return fallback;
    }
    return value;
  };
  const url = (name: string, fallback: string, protocols: string[]) => {
    const raw = read(name) ?? fallback;
    try {
      if (protocols.includes(new URL(raw).protocol)) return raw;
    } catch {
      // reported below
    }
    problems.push({ variable: name, reason: `must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL, got "${raw}"` });
    return fallback;
  };

  const duration = (name: string, fallback: number, minMs: number) => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const ms = parseDuration(raw);
    if (ms === undefined || ms < minMs) {
      problems.push({
        variable: name,
        reason: `must be a duration of at least ${minMs} ms such as 5d, 12h, 30m, 10s or 500ms, got "${raw}"`,
      });
      return fallback;
    }
    return ms;
  };

  const redisUrl = read('REDIS_URL') ?? 'redis://127.0.0.1:6379';
  try {
    parseRedisUrl(redisUrl);
  } catch (err) {
    problems.push({ variable: 'REDIS_URL', reason: (err as Error).message });
  }
  const redisPrefix = read('REDIS_PREFIX') ?? 'cbsvc';
  if (!/^[A-Za-z0-9_-]+$/.test(redisPrefix))
    problems.push({ variable: 'REDIS_PREFIX', reason: 'may hold only letters, digits, "_" and "-"' });

  const apiBodyLimit = read('API_BODY_LIMIT') ?? '1mb';
  if (!/^\d+(b|kb|mb)?$/i.test(apiBodyLimit))
    problems.push({ variable: 'API_BODY_LIMIT', reason: `must be a size such as 1mb, 512kb or 100000, got "${apiBodyLimit}"` });

  // Unset, it follows API_PORT: with API_PORT=18881 the inbound URLs handed out pointed at :8181 (issue 21).
  const apiPort = int('API_PORT', 8181, 0, 65535);
  const publicBaseUrl = url('PUBLIC_BASE_URL', `http://localhost:${apiPort || 8181}`, ['http:', 'https:']).replace(/\/+$/, '');

  const mode = read('COUNTERPARTY_MODE') ?? 'simulated';
  if (mode !== 'simulated' && mode !== 'manual')
    problems.push({ variable: 'COUNTERPARTY_MODE', reason: `must be simulated or manual, got "${mode}"` });

  const signingSecrets = (read('CALLBACK_SIGNING_SECRET') ?? '').split(/\s+/).filter(Boolean);
  for (const secret of signingSecrets)
    if (!WHSEC.test(secret))
      problems.push({ variable: 'CALLBACK_SIGNING_SECRET', reason: 'must hold whsec_<base64> secrets separated by spaces' });

  const allowedHosts = (read('CALLBACK_ALLOWED_HOSTS') ?? '').split(/[\s,]+/).filter(Boolean);
  const allowListProblem = parseAllowList(allowedHosts).problem;
  if (allowListProblem) problems.push({ variable: 'CALLBACK_ALLOWED_HOSTS', reason: allowListProblem });

  for (const name of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) {
    const raw = read(name);
    if (raw !== undefined && !/^https?:\/\/[^\s]+$/.test(raw))
      problems.push({ variable: name, reason: `must be an http:// or https:// URL (the OTLP/HTTP collector), got "${raw}"` });
  }

  const proxy = readProxySettings(env);
  problems.push(...proxy.problems);

  const vaultSecrets: Record<string, string> = {};
  for (const pair of (env.EDC_VAULT_SECRETS ?? '').split(';').filter((p) => p.trim() !== '')) {
    const at = pair.indexOf(':');
    if (at <= 0) problems.push({ variable: 'EDC_VAULT_SECRETS', reason: 'must be alias:value pairs separated by ";"' });
    else vaultSecrets[pair.slice(0, at).trim()] = pair.slice(at + 1);
  }

  const backoffMs = int('DISPATCH_BACKOFF_MS', 1000, 1);
  const backoffMaxMs = int('DISPATCH_BACKOFF_MAX_MS', 3_600_000, 1);
  if (backoffMaxMs < backoffMs) problems.push({ variable: 'DISPATCH_BACKOFF_MAX_MS', reason: 'must not be below DISPATCH_BACKOFF_MS' });

  const logLevel = read('LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel))
    problems.push({ variable: 'LOG_LEVEL', reason: `must be fatal, error, warn, info, debug, trace or silent, got "${logLevel}"` });
  const logFormat = read('LOG_FORMAT') ?? 'json';
  if (logFormat !== 'json' && logFormat !== 'pretty')
    problems.push({ variable: 'LOG_FORMAT', reason: `must be json or pretty, got "${logFormat}"` });

  const concurrency = int('DISPATCH_CONCURRENCY', 500, 1, 10_000);
  const endpointConcurrency = int('DISPATCH_ENDPOINT_CONCURRENCY', Math.max(1, Math.floor(concurrency / 5)), 1, 10_000);
  const config: AppConfig = {
    redisUrl,
    redisPrefix,
    redisPartitions: int('REDIS_PARTITIONS', 16, 1, 128),
    apiPort,
    dispatcherPort: int('DISPATCHER_PORT', 8182, 0, 65535),
    apiKey: read('MANAGEMENT_API_KEY') ?? randomBytes(24).toString('base64url'),
    apiKeyGenerated: read('MANAGEMENT_API_KEY') === undefined,
    apiBodyLimit,
    participantId: read('EDC_PARTICIPANT_ID') ?? 'consumer',
    publicBaseUrl,
    counterpartyMode: mode as CounterpartyMode,
    simulationStepMs: int('SIMULATION_STEP_MS', 1000, 0, 3_600_000),
    signingSecrets,
    allowedHosts,
    proxy: proxy.settings,
    logLevel: logLevel as AppConfig['logLevel'],
    logFormat: logFormat as AppConfig['logFormat'],
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 30_000, 100, 600_000),
    deliveryLogRetentionMs: int('DELIVERY_LOG_RETENTION_MS', 7 * 24 * 3600 * 1000, 1000, 365 * 24 * 3600 * 1000),
    callbackRedactHeaders: (env.CALLBACK_REDACT_HEADERS ?? 'authorization,cookie,proxy-authorization,x-api-key')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    eventMaxBytes: int('EVENT_MAX_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
    queryMaxScanned: int('QUERY_MAX_SCANNED', 25_000, 100, 10_000_000),
    inboundLimits: {
      callsPerMinute: int('INBOUND_MAX_CALLS_PER_MINUTE', 60, 1, 1_000_000),
      callsPerDay: int('INBOUND_MAX_CALLS_PER_DAY', 1000, 1, 100_000_000),
      bytesPerDay: int('INBOUND_MAX_BYTES_PER_DAY', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    },
    dispatch: {
      maxAttempts: int('DISPATCH_MAX_ATTEMPTS', 8, 1, 100),
      backoffMs,
      backoffMaxMs,
      timeoutMs: int('DISPATCH_TIMEOUT_MS', 10_000, 1, 600_000),
      concurrency,
      lockDurationMs: int('DISPATCH_LOCK_DURATION_MS', 30_000, 1000, 600_000),
      endpointConcurrency,
      // A host's share: a quarter of the slots, with room for one URI more than a single one takes (docs/delivery.md).
      hostConcurrency: int(
        'DISPATCH_HOST_CONCURRENCY',
        Math.min(concurrency, Math.max(endpointConcurrency + 1, Math.ceil(concurrency / 4))),
        1,
        10_000,
      ),
      circuitFailureThreshold: int('CIRCUIT_FAILURE_THRESHOLD', 5, 1, 1000),
      circuitOpenMs: int('CIRCUIT_OPEN_MS', 30_000, 100, 3_600_000),
    },
    endpoints: {
      disableAfterMs: duration('ENDPOINT_DISABLE_AFTER', 5 * 24 * 3600 * 1000, 1000),
      disabledRecheckMs: duration('ENDPOINT_DISABLED_RECHECK', 30_000, 100),
      pollMs: duration('ENDPOINT_POLL_INTERVAL', 250, 10),
    },
    staticCallbacks: parseStaticCallbacks(env, problems, allowedHosts),
    vaultSecrets,
    jsonLdDocuments: parseJsonLdDocuments(env, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `5d`, `12h`, `30m`, `10s`, `500ms`, or plain milliseconds; undefined when it is none of those. */
export function parseDuration(raw: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(raw.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[(match[2] ?? 'ms').toLowerCase()];
  return Number.isSafeInteger(Math.round(ms)) ? Math.round(ms) : undefined;
}
