import http from 'node:http';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { authKeyProblem, perUri } from '@app/events';
import { AddressPolicy, APP_CONFIG, AppConfig, AppMetrics } from '@app/platform';
import { DeliveryJobData } from './delivery-job';
import { RefusedDestinationError } from './guarded-lookup';
import { createOutboundAgents, OutboundAgents } from './outbound-agents';
import { ClientCertificates } from './endpoints/client-certificates';
import type { EndpointSettings } from './endpoints/endpoint-registry';
import { OAuth2Tokens } from './endpoints/oauth2-tokens';
import { AttemptTimeoutError, postWithDeadline } from './post-with-deadline';
import { maskedHead, maskSecret, secretOverlapBytes } from './secret-mask';
import { SecretResolver } from './secret-resolver.service';
import { DeliverySigner } from './signing';
import { verdictOnReply } from './reply-outcome';

const RESPONSE_CAPTURE_BYTES = 1024;
/** Node's rule for a header value: no control characters but tab, nothing above U+00FF. */
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** What one HTTP attempt came to. */
export interface AttemptOutcome {
  ok: boolean;
  /**
   * No further attempt can succeed (410 Gone, a refused destination, a missing secret, a header
   * that may not be sent).
   */
  final: boolean;
  status?: number;
  latencyMs: number;
  /** What went wrong; the secret sent, if echoed in it, masked. */
  error?: string;
  /** The first 1 KiB of the receiver's reply, the secret sent masked wherever it is echoed. */
  response?: string;
  retryAfterMs?: number;
}

/**
 * POSTs a delivery over keep-alive connection pools shared by all jobs: no per-job connection
 * set-up, redirects never followed, a deadline on the whole attempt, and only the first 1 KiB
 * of a reply read. What it returns is stored (delivery log, Bull Board's return value), so the
 * secret it sent never appears in it, even when the receiver echoes it.
 */
@Injectable()
export class CallbackSender implements OnApplicationShutdown {
  private readonly policy: AddressPolicy;
  private readonly agents: OutboundAgents;
  private readonly tokens: OAuth2Tokens;
  private readonly certificates: ClientCertificates;
  /** Each URI's refusal (null: allowed), checked once per URI: the policy is fixed at start-up. */
  private readonly refusalFor: (uri: string) => string | null;
  /** Each URI's agent (direct or through the proxy), chosen once per URI: the proxy settings are fixed at start-up. */
  private readonly agentFor: (uri: string) => http.Agent;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly secrets: SecretResolver,
    private readonly signer: DeliverySigner,
    metrics: AppMetrics,
  ) {
    this.policy = new AddressPolicy(config.allowedHosts);
    this.refusalFor = perUri((uri) => this.policy.refusalForUri(uri));
    this.agents = createOutboundAgents({ proxy: config.proxy, policy: this.policy });
    this.agentFor = perUri((uri) => this.agents.agentFor(uri));
    this.tokens = new OAuth2Tokens(secrets, this.policy, this.agents, config.dispatch.timeoutMs, (outcome) =>
      metrics.oauth2TokenRequests.inc({ outcome }),
    );
    this.certificates = new ClientCertificates(secrets, this.policy, config.proxy);
  }

  onApplicationShutdown(): void {
    this.agents.destroy();
    this.certificates.destroy();
  }

  /**
   * Sends `body`, the event's envelope as stored once per event, to the delivery's endpoint.
   * `settings`: a static or registered endpoint's, for its own signing secrets, OAuth2 token and
   * client certificate.
   */
  async send(delivery: DeliveryJobData, body: string, settings?: EndpointSettings): Promise<AttemptOutcome> {
    const { endpoint } = delivery;
    const refusal = this.refusalFor(endpoint.uri);
    if (refusal) return { ok: false, final: true, latencyMs: 0, error: `Refused destination: ${refusal}` };

    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'edc-callback-service',
      'webhook-id': delivery.eventId,
      'webhook-timestamp': String(timestamp),
      'x-event-sequence': String(delivery.sequence),
    };
    const signature = this.signer.signature(endpoint, delivery.eventId, timestamp, body, settings?.signers);
    if (signature) headers['webhook-signature'] = signature;
    // The event's trace (or this attempt's span in it): the receiver's trace joins the caller's.
    if (delivery.trace) {
      headers.traceparent = delivery.trace.traceparent;
      if (delivery.trace.tracestate) headers.tracestate = delivery.trace.tracestate;
    }
    let secret: string | undefined;
    if (endpoint.authCodeId) {
      // Checked here too, not only when the request was accepted (defence in depth, and jobs or
      // static callbacks from before that check): such a header would break or smuggle the
      // request, and no retry can fix it, so it is a final failure, never sent.
      const authKey = endpoint.authKey ?? 'authorization';
      const problem = authKeyProblem(authKey);
      if (problem) return { ok: false, final: true, latencyMs: 0, error: `authKey ${JSON.stringify(authKey)} ${problem}; not sent` };
      const resolved = await this.secrets.resolve(endpoint.authCodeId);
      if (resolved === null)
        return { ok: false, final: true, latencyMs: 0, error: `No secret with alias "${endpoint.authCodeId}" (authCodeId)` };
      if (INVALID_HEADER_VALUE.test(resolved))
        return {
          ok: false,
          final: true,
          latencyMs: 0,
          error: `The secret "${endpoint.authCodeId}" (authCodeId) is not a valid header value; not sent`,
        };
      secret = resolved;
      headers[authKey.toLowerCase()] = secret;
    }

    let agent = this.agentFor(endpoint.uri);
    if (settings?.clientCertificateAlias || settings?.caCertificateAlias) {
      const tls = await this.certificates.agentFor(settings, endpoint.uri);
      if ('error' in tls) return { ok: false, final: true, latencyMs: 0, error: tls.error };
      agent = tls.agent;
    }
    const oauth2 = settings?.oauth2;
    let token: string | undefined;
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    if (oauth2) {
      const got = await this.tokens.token(oauth2);
      if (!got.ok) return { ok: false, final: got.final, latencyMs: latency(), error: got.error };
      token = got.token;
      headers.authorization = `Bearer ${token}`;
      // The token is masked where the receiver echoes it, unless another secret is sent.
      secret ??= token;
    }
    try {
      const post = () =>
        postWithDeadline(endpoint.uri, body, {
          agent,
          headers,
          timeoutMs: this.config.dispatch.timeoutMs,
          readLimit: RESPONSE_CAPTURE_BYTES + secretOverlapBytes(secret),
        });
      let reply = await post();
      if (reply.status === 401 && oauth2) {
        // The token may have been revoked or expired early: one new token, one more try.
        const renewed = await this.tokens.token(oauth2, token);
        if (renewed.ok && renewed.token !== token) {
          if (secret === token) secret = renewed.token;
          token = renewed.token;
          headers.authorization = `Bearer ${token}`;
          reply = await post();
        }
      }
      const response = maskedHead(reply.head, RESPONSE_CAPTURE_BYTES, secret);
      const status = reply.status;
      // The verdict spread last: a leading spread followed by new keys is V8's slow path on
      // Node 20 (docs/performance.md, "The fourth pass").
      return { status, latencyMs: latency(), response, ...verdictOnReply(status, reply.retryAfter) };
    } catch (err) {
      const refused = findCause(err, RefusedDestinationError);
      const error = maskSecret(describe(err, refused, this.config.dispatch.timeoutMs), secret);
      return { ok: false, final: refused !== undefined, latencyMs: latency(), error };
    }
  }
}

function findCause<T extends Error>(err: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let e = err as { cause?: unknown } | undefined; e; e = e.cause as { cause?: unknown } | undefined) if (e instanceof type) return e;
  return undefined;
}

function describe(err: unknown, refused: Error | undefined, timeoutMs: number): string {
  if (refused) return refused.message;
  const e = err as { code?: string; message?: string };
  if (err instanceof AttemptTimeoutError || e.code === 'ETIMEDOUT') return `Timed out after ${timeoutMs} ms`;
  return e.code ? `${e.code}: ${e.message}` : (e.message ?? String(err));
}
