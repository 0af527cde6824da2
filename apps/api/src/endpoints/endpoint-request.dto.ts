import { authCodeIdProblem, authKeyProblem, eventFiltersProblem, httpUrlProblem, ON_FAILURE_MODES, OnFailure } from '@app/events';
import { AddressPolicy, MAX_RATE_LIMIT, OAuth2Settings, WHSEC } from '@app/platform';
import { Problem } from '../domain/domain-errors';

const MAX_TEXT = 1000;
const MAX_CLIENT_ID = 256;

/** OAuth2 client credentials of an endpoint (the secret itself stays in the secrets). */
export class OAuth2Dto {
  tokenUrl!: string;
  clientId!: string;
  /** Alias of the client secret in `/management/v3/secrets`. */
  clientSecretAlias!: string;
  scope?: string;
  audience?: string;
}

/**
 * The body of `POST /management/v1/endpoints` and `PUT /management/v1/endpoints/{id}` (a PUT
 * replaces the endpoint; a PUT without `signingSecret` keeps the one it has). Checked by
 * `readEndpointRequest`, which reports every problem at once.
 */
export class EndpointRequestDto {
  uri!: string;
  /** EDC event filters, matched by prefix (`transfer.process`, `endpoint.`). */
  events!: string[];
  authKey?: string;
  authCodeId?: string;
  /** `whsec_...`, write-only; a new one replaces the old, which keeps signing for 24 h. */
  signingSecret?: string;
  ordered?: boolean;
  onFailure?: OnFailure;
  /** Deliveries per second across all replicas, with a burst of one second's worth. */
  rateLimit?: number;
  disabled?: boolean;
  description?: string;
  oauth2?: OAuth2Dto;
  /** Alias of a secret holding the PEM certificate chain followed by its PEM private key (mTLS). */
  clientCertificateAlias?: string;
  /** Alias of a secret holding the PEM CA certificate(s) the receiver's certificate must chain to. */
  caCertificateAlias?: string;
}

const FIELDS = new Set(
  Object.keys({
    uri: 0,
    events: 0,
    authKey: 0,
    authCodeId: 0,
    signingSecret: 0,
    ordered: 0,
    onFailure: 0,
    rateLimit: 0,
    disabled: 0,
    description: 0,
    oauth2: 0,
    clientCertificateAlias: 0,
    caCertificateAlias: 0,
  } satisfies Record<keyof EndpointRequestDto, 0>),
);
const OAUTH2_FIELDS = new Set(['tokenUrl', 'clientId', 'clientSecretAlias', 'scope', 'audience']);

/** A request's endpoint, checked: what it asks for, or every problem with it. */
export function readEndpointRequest(body: unknown, policy: AddressPolicy): { request: EndpointRequestDto; problems: Problem[] } {
  const problems: Problem[] = [];
  const problem = (path: string, message: string, invalidValue: unknown) =>
    problems.push({ message: `${path} ${message}`, path, invalidValue });
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    problem('body', 'must be a JSON object', null);
    return { request: {} as EndpointRequestDto, problems };
  }
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) if (!FIELDS.has(key)) problem(key, 'is not a field of an endpoint', b[key]);

  const uriProblem = b.uri === undefined ? 'is required' : httpUrlProblem(b.uri);
  if (uriProblem) problem('uri', uriProblem, b.uri);
  else {
    const refusal = policy.refusalForUri(b.uri as string);
    if (refusal) problem('uri', `${refusal}; list it in CALLBACK_ALLOWED_HOSTS to allow it`, b.uri);
  }
  const events = typeof b.events === 'string' ? [b.events] : b.events;
  const eventsProblem = events === undefined ? 'is required' : eventFiltersProblem(events);
  if (eventsProblem) problem('events', eventsProblem, b.events);
  if (b.authKey !== undefined) {
    const p = authKeyProblem(b.authKey);
    if (p) problem('authKey', p, b.authKey);
  }
  if (b.authCodeId !== undefined || b.authKey !== undefined) {
    const p = b.authCodeId === undefined ? 'is required when authKey is set' : authCodeIdProblem(b.authCodeId);
    if (p) problem('authCodeId', p, b.authCodeId);
  }
  if (b.signingSecret !== undefined && (typeof b.signingSecret !== 'string' || !WHSEC.test(b.signingSecret)))
    problem('signingSecret', 'must be a whsec_<base64> secret', null);
  for (const flag of ['ordered', 'disabled'] as const)
    if (b[flag] !== undefined && typeof b[flag] !== 'boolean') problem(flag, 'must be a boolean', b[flag]);
  if (b.onFailure !== undefined) {
    if (!ON_FAILURE_MODES.includes(b.onFailure as OnFailure))
      problem('onFailure', `must be one of ${ON_FAILURE_MODES.join(', ')}`, b.onFailure);
    else if (b.ordered !== true) problem('onFailure', 'applies only to an ordered endpoint (ordered: true)', b.onFailure);
  }
  if (
    b.rateLimit !== undefined &&
    (!Number.isInteger(b.rateLimit) || (b.rateLimit as number) < 1 || (b.rateLimit as number) > MAX_RATE_LIMIT)
  )
    problem('rateLimit', `must be an integer from 1 to ${MAX_RATE_LIMIT} (deliveries per second)`, b.rateLimit);
  if (b.description !== undefined && (typeof b.description !== 'string' || b.description.length > MAX_TEXT))
    problem('description', `must be a string of at most ${MAX_TEXT} characters`, b.description);
  for (const alias of ['clientCertificateAlias', 'caCertificateAlias'] as const) {
    if (b[alias] === undefined) continue;
    const p = authCodeIdProblem(b[alias]);
    if (p) problem(alias, p, b[alias]);
    else if (!uriProblem && !(b.uri as string).startsWith('https:')) problem(alias, 'applies only to an https uri', b[alias]);
  }
  if (b.oauth2 !== undefined) oauth2Problems(b.oauth2, policy, problem);
  if (b.oauth2 !== undefined && b.authCodeId !== undefined && String(b.authKey ?? 'authorization').toLowerCase() === 'authorization')
    problem('authCodeId', 'cannot be sent in Authorization together with oauth2 (set authKey to another header)', b.authCodeId);
  return {
    request: { ...(b as unknown as EndpointRequestDto), ...(events !== undefined ? { events: events as string[] } : {}) },
    problems,
  };
}

function oauth2Problems(value: unknown, policy: AddressPolicy, problem: (path: string, message: string, invalid: unknown) => void): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return void problem('oauth2', 'must be an object', value);
  const o = value as Partial<Record<keyof OAuth2Settings, unknown>>;
  for (const key of Object.keys(o)) if (!OAUTH2_FIELDS.has(key)) problem(`oauth2.${key}`, 'is not a field of oauth2', null);
  const urlProblem = o.tokenUrl === undefined ? 'is required' : httpUrlProblem(o.tokenUrl);
  if (urlProblem) problem('oauth2.tokenUrl', urlProblem, o.tokenUrl);
  else {
    const refusal = policy.refusalForUri(o.tokenUrl as string);
    if (refusal) problem('oauth2.tokenUrl', `${refusal}; list it in CALLBACK_ALLOWED_HOSTS to allow it`, o.tokenUrl);
  }
  if (typeof o.clientId !== 'string' || o.clientId === '' || o.clientId.length > MAX_CLIENT_ID)
    problem(
      'oauth2.clientId',
      o.clientId === undefined ? 'is required' : `must be a non-empty string of at most ${MAX_CLIENT_ID} characters`,
      o.clientId,
    );
  const aliasProblem = o.clientSecretAlias === undefined ? 'is required' : authCodeIdProblem(o.clientSecretAlias);
  if (aliasProblem) problem('oauth2.clientSecretAlias', aliasProblem, o.clientSecretAlias);
  for (const key of ['scope', 'audience'] as const)
    if (o[key] !== undefined && (typeof o[key] !== 'string' || (o[key] as string).length > MAX_TEXT))
      problem(`oauth2.${key}`, `must be a string of at most ${MAX_TEXT} characters`, o[key]);
}
