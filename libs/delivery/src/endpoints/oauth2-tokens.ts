import { AddressPolicy, OAuth2Settings } from '@app/platform';
import { OutboundAgents } from '../outbound-agents';
import { postWithDeadline } from '../post-with-deadline';
import { SecretResolver } from '../secret-resolver.service';

/** A token, or why none could be had (`final`: no retry can fix it). */
export type TokenResult = { ok: true; token: string } | { ok: false; final: boolean; error: string };

/** How a token request ended, for `callback_oauth2_token_requests_total`. */
export type TokenRequestOutcome = 'issued' | 'refused' | 'unreachable' | 'not_sent';

type Fetched = ({ ok: true; token: string; refreshAt: number } | Extract<TokenResult, { ok: false }>) & { outcome: TokenRequestOutcome };

interface CachedToken {
  token: string;
  /** When a new one is fetched: a tenth of its lifetime, and at most 60 s, before it expires. */
  refreshAt: number;
}

/** Token responses are small; a larger one is not a token response. */
const TOKEN_READ_LIMIT = 64 * 1024;
const REFRESH_MARGIN_MAX_MS = 60_000;

/**
 * OAuth2 client-credentials tokens for endpoints that want `Authorization: Bearer`, one per
 * (token URL, client, secret alias, scope, audience), cached by the replica and shared by all its
 * deliveries: fetched once when several need it at the same time, and again once less than a
 * tenth of its lifetime (and at most 60 s) is left, or when a receiver answered 401 to it.
 * The client authenticates with HTTP Basic (RFC 6749 2.3.1); the token URL obeys the address
 * policy of callbacks, checked on the URL and again on what its name resolves to.
 */
export class OAuth2Tokens {
  private readonly cached = new Map<string, CachedToken>();
  private readonly fetching = new Map<string, Promise<TokenResult>>();

  constructor(
    private readonly secrets: SecretResolver,
    private readonly policy: AddressPolicy,
    private readonly agents: OutboundAgents,
    private readonly timeoutMs: number,
    /** Told how each request ended (the metrics). */
    private readonly requested: (outcome: TokenRequestOutcome) => void = () => undefined,
  ) {}

  /** A token for `settings`; `rejected` is one a receiver refused (401): a new one is fetched instead. */
  async token(settings: OAuth2Settings, rejected?: string): Promise<TokenResult> {
    const key = JSON.stringify([settings.tokenUrl, settings.clientId, settings.clientSecretAlias, settings.scope, settings.audience]);
    const cached = this.cached.get(key);
    if (cached && cached.token !== rejected && Date.now() < cached.refreshAt) return { ok: true, token: cached.token };
    let pending = this.fetching.get(key);
    if (!pending) {
      pending = this.fetch(settings).then(({ outcome, ...result }) => {
        this.fetching.delete(key);
        this.requested(outcome);
        if (result.ok) this.cached.set(key, { token: result.token, refreshAt: result.refreshAt });
        return result.ok ? { ok: true, token: result.token } : result;
      });
      this.fetching.set(key, pending);
    }
    return pending;
  }

  private async fetch(settings: OAuth2Settings): Promise<Fetched> {
    const refusal = this.policy.refusalForUri(settings.tokenUrl);
    if (refusal) return { ok: false, final: true, error: `OAuth2 token URL refused: ${refusal}`, outcome: 'not_sent' };
    const secret = await this.secrets.resolve(settings.clientSecretAlias);
    if (secret === null)
      return {
        ok: false,
        final: true,
        error: `No secret with alias "${settings.clientSecretAlias}" (oauth2.clientSecretAlias)`,
        outcome: 'not_sent',
      };
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (settings.scope) form.set('scope', settings.scope);
    if (settings.audience) form.set('audience', settings.audience);
    const basic = Buffer.from(`${encodeURIComponent(settings.clientId)}:${encodeURIComponent(secret)}`).toString('base64');
    const started = Date.now();
    let reply: Awaited<ReturnType<typeof postWithDeadline>>;
    try {
      reply = await postWithDeadline(settings.tokenUrl, form.toString(), {
        agent: this.agents.agentFor(settings.tokenUrl),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${basic}` },
        timeoutMs: this.timeoutMs,
        readLimit: TOKEN_READ_LIMIT,
      });
    } catch (err) {
      // The message names the token URL's host at most, never the client secret.
      return { ok: false, final: false, error: `OAuth2 token request failed: ${(err as Error).message}`, outcome: 'unreachable' };
    }
    if (reply.status < 200 || reply.status > 299)
      return { ok: false, final: false, error: `OAuth2 token request answered ${reply.status}`, outcome: 'refused' };
    let body: { access_token?: unknown; expires_in?: unknown } | null;
    try {
      body = JSON.parse(reply.head.toString('utf8')) as typeof body;
    } catch {
      body = null;
    }
    if (typeof body?.access_token !== 'string' || body.access_token === '')
      return { ok: false, final: false, error: 'OAuth2 token response has no access_token', outcome: 'refused' };
    const lifetimeMs = Number(body.expires_in) * 1000;
    // Without expires_in, it is used until a receiver refuses it.
    const refreshAt =
      Number.isFinite(lifetimeMs) && lifetimeMs > 0
        ? started + lifetimeMs - Math.min(lifetimeMs / 10, REFRESH_MARGIN_MAX_MS)
        : Number.POSITIVE_INFINITY;
    return { ok: true, token: body.access_token, refreshAt, outcome: 'issued' };
  }
}
