import type { ProxySettings } from '../network/proxy-settings';
import { CallbackAddress } from '@app/events';
import { JsonLdDocument } from './json-ld-documents';

export type CounterpartyMode = 'simulated' | 'manual';

/** A client-credentials grant whose token is sent as `Authorization: Bearer` (docs/delivery.md, "OAuth2"). */
export interface OAuth2Settings {
  tokenUrl: string;
  clientId: string;
  /** Alias of the client secret in the secrets (`/management/v3/secrets`, `EDC_VAULT_SECRETS`). */
  clientSecretAlias: string;
  scope?: string;
  audience?: string;
}

/** What static and registered endpoints may set beyond a callback address. */
export interface EndpointOptions {
  /** Deliveries per second across all replicas (burst: one second's worth); absent: unlimited. */
  rateLimit?: number;
  oauth2?: OAuth2Settings;
  /** Alias of a secret holding the PEM certificate chain followed by its PEM private key (mTLS). */
  clientCertificateAlias?: string;
  /** Alias of a secret holding the PEM CA certificate(s) the receiver's certificate must chain to. */
  caCertificateAlias?: string;
  description?: string;
}

/** A callback endpoint configured at deployment (`EDC_CALLBACK_<ID>_*`). */
export interface StaticCallback extends CallbackAddress, EndpointOptions {
  id: string;
  /** Signs this endpoint's deliveries instead of the global secret. */
  signingSecret?: string;
}

/** Registered endpoints and the health of static and registered ones. */
export interface EndpointsConfig {
  /** An endpoint failing with no success for this long is disabled (`ENDPOINT_DISABLE_AFTER`). */
  disableAfterMs: number;
  /** How often a disabled endpoint's waiting deliveries look again whether it was enabled. */
  disabledRecheckMs: number;
  /** How often each replica asks whether the endpoints changed. */
  pollMs: number;
}

export interface DispatchConfig {
  maxAttempts: number;
  backoffMs: number;
  backoffMaxMs: number;
  timeoutMs: number;
  concurrency: number;
  /** How long a delivery stays locked to a replica; a killed replica's jobs move on after it. */
  lockDurationMs: number;
  /** Attempts in flight to one endpoint per replica; the rest of the slots stay for others. */
  endpointConcurrency: number;
  /** Attempts in flight to one host (scheme, host, port) per replica, however many URIs it has. */
  hostConcurrency: number;
  /** Consecutive failures that open an endpoint's circuit. */
  circuitFailureThreshold: number;
  /** How long an open circuit parks the endpoint's deliveries before one probe is let through. */
  circuitOpenMs: number;
}

/** Per inbound callback URL; a call past one of them answers 429 with Retry-After. */
export interface InboundLimits {
  callsPerMinute: number;
  callsPerDay: number;
  /** Body bytes of the calls of one day. */
  bytesPerDay: number;
}

/** Everything both apps read from the environment, validated once at start-up. */
export interface AppConfig {
  redisUrl: string;
  /** Prefix of every Redis key, BullMQ's included; each partition's hash tag starts with it. */
  redisPrefix: string;
  /** How many partitions (hash tags) the keyspace is split into; see `Partitions`. */
  redisPartitions: number;
  apiPort: number;
  dispatcherPort: number;
  apiKey: string;
  /** True when MANAGEMENT_API_KEY was unset and the key was generated at start. */
  apiKeyGenerated: boolean;
  apiBodyLimit: string;
  /** This connector's participant id: the consumer in agreements (EDC `edc.participant.id`). */
  participantId: string;
  publicBaseUrl: string;
  counterpartyMode: CounterpartyMode;
  /** Delay between two steps of a simulated negotiation or transfer. */
  simulationStepMs: number;
  signingSecrets: string[];
  allowedHosts: string[];
  /** The egress proxy every outbound call goes through (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`). */
  proxy: ProxySettings;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  logFormat: 'json' | 'pretty';
  /** How long SIGTERM may take to finish in-flight work before the process gives up. */
  shutdownGraceMs: number;
  /** How long the delivery log keeps a delivery after its last write. */
  deliveryLogRetentionMs: number;
  /** Request headers stored as "[redacted]" when an inbound callback URL is called. */
  callbackRedactHeaders: string[];
  /** Largest event envelope (bytes of JSON) the api accepts; larger changes answer 400. */
  eventMaxBytes: number;
  /** Objects one QuerySpec may read and test when its indexes do not answer it alone (400 past it). */
  queryMaxScanned: number;
  /** What one inbound callback URL may take from anonymous callers (429 past it). */
  inboundLimits: InboundLimits;
  dispatch: DispatchConfig;
  endpoints: EndpointsConfig;
  staticCallbacks: StaticCallback[];
  vaultSecrets: Record<string, string>;
  /** JSON-LD contexts ops added from files (`EDC_JSONLD_DOCUMENT_<ALIAS>_URL` / `_PATH`), served besides the shipped ones. */
  jsonLdDocuments: JsonLdDocument[];
}
